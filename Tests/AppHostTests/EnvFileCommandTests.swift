import Foundation
import Testing

/// `envFile` as the commands see it: read for a local run (and `env`, `validate`), never published.
@Suite("Project env files on the command line")
struct EnvFileCommandTests {
    let model = """
        resources:
          signalr: { type: signalr, mode: Serverless }
          api:
            type: project
            command: python3 app.py
            references: [signalr]
            envFile: [api/.env, api/local.env]
            env: { GREETING: from-env }
        """

    @Test("env shows the files' variables under what apphost injects and env:, secrets masked; --publish leaves them out")
    func shown() throws {
        let folder = try AppHostProcess.temporaryFolder([
            "apphost.yaml": model,
            "api/.env": "FROM_FILE=one\nGREETING=from-file\nSIGNALR_URI=http://elsewhere\nAPI_SECRET=\"s3cr3t value\"\n",
            "api/local.env": "# the later file wins\nFROM_FILE=two\n",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHostProcess.run(["env", "api", "--format", "dotenv"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("FROM_FILE=two"))
        #expect(lines.contains("GREETING=from-env"))
        #expect(lines.contains { $0.hasPrefix("SIGNALR_URI=http://localhost:") })
        #expect(lines.contains("API_SECRET=\"********\""))
        #expect(!result.stdout.contains("s3cr3t"))
        let published = try AppHostProcess.run(["env", "api", "--publish", "--format", "dotenv"], in: folder)
        #expect(published.status == 0)
        #expect(!published.stdout.contains("FROM_FILE"))
    }

    @Test("A missing envFile is an error at its place in apphost.yaml; a bad line one at its place in the file")
    func problems() throws {
        let missing = try AppHostProcess.temporaryFolder(["apphost.yaml": model, "api/.env": "A=1\n"])
        defer { try? FileManager.default.removeItem(at: missing) }
        let noFile = try AppHostProcess.run(["validate"], in: missing)
        #expect(noFile.status == 1)
        #expect(noFile.stderr.contains("apphost.yaml:7:25: error: the envFile 'api/local.env' of 'api' cannot be read"))
        #expect(noFile.stderr.contains("hint: create it, or take it out of envFile"))

        let malformed = try AppHostProcess.temporaryFolder(["apphost.yaml": model, "api/.env": "A=1\n", "api/local.env": "A=2\nnot a setting\n"])
        defer { try? FileManager.default.removeItem(at: malformed) }
        let badLine = try AppHostProcess.run(["run", "--no-dashboard"], in: malformed)
        #expect(badLine.status == 1)
        #expect(badLine.stderr.contains("api/local.env:2:1: error: expected NAME=value"))
        #expect(!badLine.stdout.contains("starting"))
    }
}
