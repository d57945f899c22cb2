import Resources
import Testing

/// `envFile`: files of NAME=value lines a project receives, below what apphost injects and `env:`.
@Suite("Project env files")
struct EnvFileTests {
    func project(_ model: ApplicationModel, _ name: String) throws -> ProjectResource {
        try #require(model.projects.first { $0.name == name })
    }

    @Test("envFile takes one path or a list, each located for messages")
    func decoding() throws {
        let model = try validModel("""
            resources:
              one: { type: project, command: run, envFile: api/.env }
              two:
                type: project
                command: run
                envFile: [.env.shared, api/.env.local]
            """)
        #expect(try project(model, "one").envFiles.map(\.value) == ["api/.env"])
        #expect(try project(model, "two").envFiles.map(\.value) == [".env.shared", "api/.env.local"])
        #expect(try project(model, "two").envFiles.map(\.location.line) == [6, 6])
    }

    @Test("envFile as a mapping is a located error that says what to write")
    func wrongShape() {
        let diagnostic = singleError("""
            resources:
              app:
                type: project
                command: run
                envFile: { path: .env }
            """)
        #expect(diagnostic?.message == "'envFile' must be a string, not a mapping")
        #expect(diagnostic?.location?.line == 5)
    }

    @Test("File variables are the lowest layer: apphost's injected ones win over them, env: over both; secrets are masked")
    func precedence() throws {
        var model = try validModel("""
            resources:
              signalr: { type: signalr, mode: Serverless }
              app:
                type: project
                command: run
                references: [signalr]
                env: { GREETING: from-env }
            """)
        let index = try #require(model.resources.firstIndex { $0.name == "app" })
        guard case .project(var app) = model.resources[index] else { throw CancellationError() }
        app.fileEnvironment = [("ONLY_IN_FILE", "file"), ("GREETING", "from-file"), ("SIGNALR_URI", "http://elsewhere"),
                               ("DB_PASSWORD", "hunter2")]
        model.resources[index] = .project(app)
        let environment = try resolve(model).environment(for: app)
        let values = Dictionary(uniqueKeysWithValues: environment.map { ($0.name, $0.value) })
        #expect(values["ONLY_IN_FILE"] == "file")
        #expect(values["GREETING"] == "from-env")
        #expect(values["SIGNALR_URI"] == "http://localhost:40001")
        #expect(environment.first { $0.name == "DB_PASSWORD" }?.maskedValue == "********")
        #expect(try resolve(model).injectedNames(for: app) == ["SIGNALR_URI", "ConnectionStrings__signalr"])
    }

    @Test("A .env file keeps the order of its names, the last value of each")
    func order() {
        let file = DotEnvFile("B=1\nA=2\nB=3\n", file: ".env")
        #expect(file.orderedVariables.map(\.name) == ["B", "A"])
        #expect(file.orderedVariables.map(\.value) == ["3", "2"])
    }
}
