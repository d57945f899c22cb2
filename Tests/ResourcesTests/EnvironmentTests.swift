import Resources
import Testing

/// The table of DESIGN.md §3, cell by cell, for plain, hyphenated and mixed-case names.
@Suite("Injected environment")
struct EnvironmentTests {
    static let names: [(name: String, prefix: String)] = [("signalr", "SIGNALR"), ("chat-hub", "CHAT_HUB"), ("MyHub", "MYHUB")]

    func model(signalR name: String, emulator: Bool, extra: String = "", reference: String? = nil) throws -> ApplicationModel {
        let placement = emulator ? "" : "\n    emulator: false\n    endpoint: https://\(name.lowercased()).service.signalr.net/"
        return try validModel("""
            resources:
              \(name):
                type: signalr
                mode: Serverless\(placement)\(extra)
              app:
                type: project
                command: run
                references:
                  - \(reference ?? name)
            """)
    }

    @Test("Emulator: <NAME>_URI is http://localhost:PORT", arguments: names)
    func emulatorURI(name: String, prefix: String) throws {
        let values = try resolve(model(signalR: name, emulator: true))
        #expect(variables(values, "app")["\(prefix)_URI"] == "http://localhost:40001")
    }

    @Test("Emulator: ConnectionStrings__<name> carries the access key", arguments: names)
    func emulatorConnectionString(name: String, prefix: String) throws {
        let values = try resolve(model(signalR: name, emulator: true))
        #expect(variables(values, "app")["ConnectionStrings__\(name)"] == "Endpoint=http://localhost:40001;AccessKey=key-of-\(name);Version=1.0;")
    }

    @Test("Cloud: <NAME>_URI is the endpoint without a trailing slash", arguments: names)
    func cloudURI(name: String, prefix: String) throws {
        let values = try resolve(model(signalR: name, emulator: false))
        #expect(variables(values, "app")["\(prefix)_URI"] == "https://\(name.lowercased()).service.signalr.net")
    }

    @Test("Cloud: ConnectionStrings__<name> uses AuthType=azure", arguments: names)
    func cloudConnectionString(name: String, prefix: String) throws {
        let values = try resolve(model(signalR: name, emulator: false))
        #expect(variables(values, "app")["ConnectionStrings__\(name)"] == "Endpoint=https://\(name.lowercased()).service.signalr.net;AuthType=azure;Version=1.0;")
    }

    @Test("Cloud with a user-assigned identity: AuthType=azure.msi and ClientId")
    func managedIdentity() throws {
        let values = try resolve(model(signalR: "signalr", emulator: false, extra: "\n    authType: azure.msi\n    clientId: 1234"))
        #expect(variables(values, "app")["ConnectionStrings__signalr"] == "Endpoint=https://signalr.service.signalr.net;AuthType=azure.msi;ClientId=1234;Version=1.0;")
    }

    @Test("Cloud with a system-assigned identity: AuthType=azure.msi without ClientId")
    func systemAssignedIdentity() throws {
        let values = try resolve(model(signalR: "signalr", emulator: false, extra: "\n    authType: azure.msi"))
        #expect(variables(values, "app")["ConnectionStrings__signalr"] == "Endpoint=https://signalr.service.signalr.net;AuthType=azure.msi;Version=1.0;")
    }

    @Test("Cloud with an access key in the model uses it, masked")
    func cloudAccessKey() throws {
        let model = try model(signalR: "signalr", emulator: false, extra: "\n    accessKey: abc123")
        let values = try resolve(model)
        let variable = try #require(values.environment(for: model.projects[0]).first { $0.name == "ConnectionStrings__signalr" })
        #expect(variable.value == "Endpoint=https://signalr.service.signalr.net;AccessKey=abc123;Version=1.0;")
        #expect(variable.maskedValue == "Endpoint=https://signalr.service.signalr.net;AccessKey=********;Version=1.0;")
    }

    @Test("An explicit emulator access key wins over the stored one")
    func explicitEmulatorKey() throws {
        let values = try resolve(model(signalR: "signalr", emulator: true, extra: "\n    accessKey: mine"))
        #expect(variables(values, "app")["ConnectionStrings__signalr"] == "Endpoint=http://localhost:40001;AccessKey=mine;Version=1.0;")
    }

    @Test("A fixed emulator port is used as written")
    func fixedEmulatorPort() throws {
        let values = try resolve(model(signalR: "signalr", emulator: true, extra: "\n    port: 8888"))
        #expect(variables(values, "app")["SIGNALR_URI"] == "http://localhost:8888")
    }

    @Test("Publish: the values are expressions over the Bicep outputs, signed in as the project's own identity", arguments: names)
    func publishValues(name: String, prefix: String) throws {
        for emulator in [true, false] {
            let values = PublishedValues(model: try model(signalR: name, emulator: emulator))
            let environment = variables(values, "app")
            #expect(environment["\(prefix)_URI"] == "https://{\(name).outputs.hostName}")
            #expect(environment["ConnectionStrings__\(name)"]
                == "Endpoint=https://{\(name).outputs.hostName};AuthType=azure.msi;ClientId={app-identity.outputs.clientId};Version=1.0;")
            #expect(environment["AZURE_CLIENT_ID"] == "{app-identity.outputs.clientId}")
            #expect(environment["AZURE_TENANT_ID"] == "{azure.tenantId}")
        }
    }

    @Test("connectionStringEnv also carries the connection string")
    func extraConnectionStringVariable() throws {
        let model = try validModel("""
            resources:
              signalr: { type: signalr, mode: Serverless }
              app:
                type: project
                command: run
                references:
                  - resource: signalr
                    connectionStringEnv: AzureSignalRConnectionString
            """)
        let environment = try resolve(model).environment(for: model.projects[0])
        #expect(environment.map(\.name) == ["SIGNALR_URI", "ConnectionStrings__signalr", "AzureSignalRConnectionString"])
        #expect(environment[2].value == environment[1].value)
        #expect(environment[2].isSecret)
    }

    @Test("A project reference gives service discovery variables; a project gets its own port")
    func projectReferences() throws {
        let model = try validModel("""
            resources:
              chat-api: { type: project, command: run, port: 0 }
              web:
                type: project
                command: run
                port: 5000
                portEnv: HTTP_PORT
                references: [chat-api]
            """)
        let resolved = try resolve(model)
        #expect(variables(resolved, "web") == [
            "services__chat-api__http__0": "http://localhost:40001", "CHAT_API_URL": "http://localhost:40001", "HTTP_PORT": "5000",
        ])
        #expect(variables(resolved, "chat-api") == ["PORT": "40001"])
        let published = PublishedValues(model: model)
        let inside = "https://chat-api.{env.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN}"
        #expect(variables(published, "web") == [
            "services__chat-api__http__0": inside, "CHAT_API_URL": inside, "HTTP_PORT": "5000",
            "AZURE_CLIENT_ID": "{web-identity.outputs.clientId}", "AZURE_TENANT_ID": "{azure.tenantId}",
        ])
        #expect(variables(published, "chat-api")["PORT"] == "8080", "a free port becomes the container's 8080")
    }

    @Test("Expressions in env and upstream resolve against the model")
    func expressions() throws {
        let model = try validModel("""
            resources:
              signalr:
                type: signalr
                mode: Serverless
                upstream:
                  - urlTemplate: "{api.url}/upstream/{hub}/{event}"
              api:
                type: project
                command: [python3, app.py, "--port={api.port}"]
                port: 0
                env:
                  SELF: "{api.url}"
                  HUB_HOST: "{signalr.host}:{signalr.port}"
                  HUB: "{signalr.connectionString}"
            """)
        let resolved = try resolve(model)
        let environment = resolved.environment(for: model.projects[0])
        #expect(environment.map(\.name) == ["PORT", "SELF", "HUB_HOST", "HUB"])
        #expect(environment[1].value == "http://localhost:40002")
        #expect(environment[2].value == "localhost:40001")
        #expect(environment[3].maskedValue == "Endpoint=http://localhost:40001;AccessKey=********;Version=1.0;")
        let upstream = model.signalRResources[0].upstream[0].urlTemplate
        #expect(resolved.render(upstream).value == "http://localhost:40002/upstream/{hub}/{event}")
        #expect(PublishedValues(model: model).render(upstream).value
            == "https://api.{env.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN}/upstream/{hub}/{event}")
        #expect(resolved.render(model.projects[0].command[2]).value == "--port=40002")
    }

    @Test("A user env entry replaces an injected variable, with a warning")
    func userOverride() throws {
        let outcome = load("""
            resources:
              api: { type: project, command: run, port: 0, env: { PORT: "9000" } }
            """)
        #expect(outcome.diagnostics.map(\.message) == ["env 'PORT' replaces the value apphost injects"])
        let model = try #require(outcome.model)
        #expect(variables(try resolve(model), "api") == ["PORT": "9000"])
    }

    @Test("Values of variables named like secrets are masked")
    func secretLookingNames() throws {
        let model = try validModel("resources:\n  api: { type: project, command: run, env: { API_TOKEN: abc, GREETING: hello } }\n")
        let environment = try resolve(model).environment(for: model.projects[0])
        #expect(environment.map(\.maskedValue) == ["********", "hello"])
    }

    @Test("Free ports never collide with each other or with fixed ports")
    func freePortsAreDistinct() throws {
        struct Repeating: PortAllocator {
            var answers = [8888, 8888, 7000, 7000, 7001]
            mutating func freePort(for resource: String) throws -> Int { answers.removeFirst() }
        }
        let model = try validModel("""
            resources:
              hub: { type: signalr, mode: Serverless, port: 8888 }
              a: { type: project, command: run, port: 0 }
              b: { type: project, command: run, port: 0 }
            """)
        var allocator = Repeating()
        let resolved = try ResolvedApplication(model: model, allocator: &allocator, keys: FixedKeys())
        #expect(resolved.ports == ["hub": 8888, "a": 7000, "b": 7001])
    }
}
