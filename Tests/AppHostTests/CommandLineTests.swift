import Foundation
import Testing

/// The `apphost` binary on fixture files: stdout, stderr and exit codes.
@Suite("apphost validate and env")
struct CommandLineTests {
    typealias AppHost = AppHostProcess

    func fixture(_ name: String) -> String {
        AppHost.fixtures.appendingPathComponent(name).path
    }

    @Test("validate says ok for the top-level apphost.yaml")
    func validateTopLevel() throws {
        let result = try AppHost.run(["validate"])
        #expect(result.status == 0)
        #expect(result.stdout == "ok: 2 resources (signalr: SignalR Serverless, emulated; api: project)\n")
        #expect(result.stderr == "")
    }

    @Test("A misspelt key is a located error with a suggestion, exit 1")
    func misspeltKey() throws {
        let file = fixture("misspelt-key.yaml")
        let result = try AppHost.run(["validate", "-f", file])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("\(file):4:5: error: unknown key 'mdoe' in SignalR resource 'signalr'; did you mean 'mode'?\n"))
        #expect(result.stderr.hasSuffix("1 error in \(file)\n"))
    }

    @Test("A cycle is a located error that prints the cycle, exit 1")
    func cycle() throws {
        let file = fixture("cycle.yaml")
        let result = try AppHost.run(["validate", "-f", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):11:15: error: dependency cycle: api → worker → api\n"))
    }

    @Test("An unknown reference is a located error with a suggestion, exit 1")
    func unknownReference() throws {
        let file = fixture("unknown-reference.yaml")
        let result = try AppHost.run(["validate", "-f", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):8:18: error: 'api' references 'signal', which is not a resource in this file; did you mean 'signalr'?\n"))
        #expect(result.stderr.contains("    hint: resources: 'signalr', 'api'\n"))
    }

    @Test("env --format json prints the variables of DESIGN.md §3 for the top-level file")
    func envJSON() throws {
        let result = try AppHost.run(["env", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: String]])
        let api = try #require(json["api"])
        #expect(Set(api.keys) == ["SIGNALR_URI", "ConnectionStrings__signalr", "AzureSignalRConnectionString", "PORT"])
        let uri = try #require(api["SIGNALR_URI"])
        #expect(uri.wholeMatch(of: /http:\/\/localhost:\d+/) != nil)
        #expect(api["ConnectionStrings__signalr"] == "Endpoint=\(uri);AccessKey=********;Version=1.0;")
        #expect(api["AzureSignalRConnectionString"] == api["ConnectionStrings__signalr"])
        #expect(Int(api["PORT"] ?? "") != nil)
    }

    @Test("env creates one access key, mode 0600, and keeps it across runs")
    func accessKeyIsStableAndPrivate() throws {
        let folder = try AppHost.temporaryFolder(["apphost.yaml": "resources:\n  hub: { type: signalr, mode: Serverless, port: 17777 }\n  app: { type: project, command: run, references: [hub] }\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try AppHost.run(["env", "--format", "dotenv", "--show-secrets"], in: folder)
        let second = try AppHost.run(["env", "--format", "dotenv", "--show-secrets"], in: folder)
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        let keyFile = folder.appendingPathComponent(".apphost/keys/hub.key")
        let key = try String(contentsOf: keyFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(Data(base64Encoded: key)?.count == 32)
        #expect(first.stdout.contains("ConnectionStrings__hub=\"Endpoint=http://localhost:17777;AccessKey=\(key);Version=1.0;\"\n"))
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let folderAttributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(".apphost").path)
        #expect((folderAttributes[.posixPermissions] as? Int) == 0o700)
        let masked = try AppHost.run(["env"], in: folder)
        #expect(!masked.stdout.contains(key))
        #expect(masked.stdout.contains("AccessKey=********"))
    }

    @Test("env shows each project of a larger model, with .env and environment variables")
    func envTable() throws {
        let folder = try AppHost.temporaryFolder([
            "apphost.yaml": try String(contentsOfFile: fixture("two-projects.yaml"), encoding: .utf8),
            ".env": "HUB_KEY=from-dotenv\nGREETING=from-dotenv\n",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["env", "--show-secrets"], in: folder, environment: ["GREETING": "from-environment"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            api
              CHAT_HUB_URI                 http://localhost:18888
              ConnectionStrings__chat-hub  Endpoint=http://localhost:18888;AccessKey=from-dotenv;Version=1.0;
              CLOUD_URI                    https://contoso.service.signalr.net
              ConnectionStrings__cloud     Endpoint=https://contoso.service.signalr.net;AuthType=azure;Version=1.0;
              PORT                         18080

            web
              services__api__http__0  http://localhost:18080
              API_URL                 http://localhost:18080
              HTTP_PORT               18081
              GREETING                from-environment

            """)
        #expect(result.stderr == "")
    }

    @Test("env --publish prints the expressions a deployment resolves")
    func envPublish() throws {
        let result = try AppHost.run(["env", "api", "-f", fixture("two-projects.yaml"), "--publish", "--format", "dotenv"],
                                     environment: ["HUB_KEY": "unused"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            # api
            CHAT_HUB_URI="https://{chat-hub.outputs.hostName}"
            ConnectionStrings__chat-hub="Endpoint=https://{chat-hub.outputs.hostName};AuthType=azure.msi;ClientId={api-identity.outputs.clientId};Version=1.0;"
            CLOUD_URI="https://{cloud.outputs.hostName}"
            ConnectionStrings__cloud="Endpoint=https://{cloud.outputs.hostName};AuthType=azure.msi;ClientId={api-identity.outputs.clientId};Version=1.0;"
            AZURE_CLIENT_ID="{api-identity.outputs.clientId}"
            AZURE_TENANT_ID="{azure.tenantId}"
            PORT=18080

            """)
    }

    @Test("env for an unknown project suggests one, exit 1")
    func envUnknownProject() throws {
        let result = try AppHost.run(["env", "apii"])
        #expect(result.status == 1)
        #expect(result.stderr == "error: no project 'apii' in apphost.yaml; did you mean 'api'?\n")
    }

    @Test("An unset variable stops env with a located error, exit 1")
    func unsetVariable() throws {
        let file = fixture("two-projects.yaml")
        let result = try AppHost.run(["env", "-f", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):7:16: error: environment variable 'HUB_KEY' is not set\n"))
        #expect(result.stdout == "")
    }

    @Test("Without -f, the nearest apphost.yaml in a parent folder is used")
    func findsParentModel() throws {
        let folder = try AppHost.temporaryFolder([
            "apphost.yaml": "resources:\n  hub: { type: signalr, mode: Serverless }\n",
            "src/app/readme.txt": "",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["validate"], in: folder.appendingPathComponent("src/app"))
        #expect(result.status == 0)
        #expect(result.stdout == "ok: 1 resource (hub: SignalR Serverless, emulated)\n")
    }

    @Test("Warnings go to stderr and do not fail validate")
    func warningsDoNotFail() throws {
        let folder = try AppHost.temporaryFolder(["apphost.yaml": "resources:\n  api:\n    type: project\n    command: run\n    portEnv: HTTP_PORT\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["validate"], in: folder)
        #expect(result.status == 0)
        #expect(result.stderr.hasPrefix("apphost.yaml:5:14: warning: 'portEnv' has no effect without 'port'"))
    }

    @Test("User errors exit 1", arguments: [
        ["validate", "-f", "/nonexistent/apphost.yaml"],
        ["env", "--format", "xml"],
        ["frobnicate"],
        ["validate", "--no-such-flag"],
    ])
    func userErrors(arguments: [String]) throws {
        let result = try AppHost.run(arguments)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(!result.stderr.isEmpty)
    }

    @Test("Every command answers --help on stdout", arguments: [[], ["validate"], ["env"]])
    func help(command: [String]) throws {
        let result = try AppHost.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: apphost"))
    }

    @Test("Binary and empty files get an error, never a crash")
    func binaryAndEmptyFiles() throws {
        var generator = SystemRandomNumberGenerator()
        let folder = try AppHost.temporaryFolder(["empty.yaml": ""])
        defer { try? FileManager.default.removeItem(at: folder) }
        let binary = folder.appendingPathComponent("binary.yaml")
        try Data((0..<65536).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: binary)
        for file in ["empty.yaml", "binary.yaml"] {
            let result = try AppHost.run(["validate", "-f", file], in: folder)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("\(file):1:1: error:"))
        }
    }
}
