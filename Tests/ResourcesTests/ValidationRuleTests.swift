import Resources
import Testing

/// One test per validation rule: the message, and the line and column it points at.
@Suite("Validation rules")
struct ValidationRuleTests {
    @Test("A YAML syntax error is located where libyaml stops")
    func yamlSyntaxError() throws {
        let diagnostic = try #require(singleError("resources:\n  api:\n    type: project\n   command: [a\n"))
        #expect(diagnostic.message.hasPrefix("YAML syntax:"))
        #expect(diagnostic.location?.line == 4)
        #expect(diagnostic.severity == .error)
    }

    @Test("A tab in the indentation gets a hint about spaces")
    func tabIndentation() throws {
        let diagnostic = try #require(singleError("resources:\n\tapi: {}\n"))
        #expect(diagnostic.hint == "YAML indents with spaces, not tabs")
        #expect(diagnostic.position == "2:1")
    }

    @Test("An unknown key suggests the closest known one")
    func unknownKeySuggestion() throws {
        let diagnostic = try #require(singleError("""
            resources:
              signalr:
                type: signalr
                mdoe: Serverless
            """))
        #expect(diagnostic.message == "unknown key 'mdoe' in SignalR resource 'signalr'; did you mean 'mode'?")
        #expect(diagnostic.position == "4:5")
    }

    @Test("An unknown key with no close match lists the allowed keys")
    func unknownKeyWithoutSuggestion() throws {
        let diagnostic = try #require(singleError("resources: {}\nflavour: vanilla\n"))
        #expect(diagnostic.message == "unknown key 'flavour' at the top level")
        #expect(diagnostic.position == "2:1")
        #expect(diagnostic.hint?.contains("'x-'") == true)
    }

    @Test("A project key on a SignalR resource says which type it belongs to")
    func keyOfTheOtherType() throws {
        let diagnostic = try #require(singleError("resources:\n  hub:\n    type: signalr\n    healthCheck: /health\n    mode: Serverless\n"))
        #expect(diagnostic.message == "'healthCheck' is a setting of project resources, not of SignalR resource 'hub'")
        #expect(diagnostic.position == "4:5")
    }

    @Test("A value of the wrong type names the type it found")
    func wrongValueType() throws {
        let diagnostic = try #require(singleError("resources:\n  api:\n    type: project\n    command: run\n    port: [8080]\n"))
        #expect(diagnostic.message == "'port' must be a TCP port, 0 for a free one (an integer from 0 to 65535), not a list")
        #expect(diagnostic.position == "5:11")
    }

    @Test("A port out of range is an error")
    func portOutOfRange() throws {
        let diagnostic = try #require(singleError("resources:\n  api:\n    type: project\n    command: run\n    port: 70000\n"))
        #expect(diagnostic.message.hasSuffix("not 70000"))
        #expect(diagnostic.position == "5:11")
    }

    @Test("A boolean written as a word is refused")
    func wrongBoolean() throws {
        let diagnostic = try #require(singleError("resources:\n  hub:\n    type: signalr\n    mode: Serverless\n    emulator: maybe\n"))
        #expect(diagnostic.message == "'emulator' must be true or false, not 'maybe'")
        #expect(diagnostic.position == "5:15")
    }

    @Test("A bad enum value lists the allowed values and suggests one")
    func badEnumValue() throws {
        let diagnostic = try #require(singleError("resources:\n  hub:\n    type: signalr\n    mode: Serverles\n"))
        #expect(diagnostic.message == "'Serverles' is not a valid 'mode'; did you mean 'Serverless'?")
        #expect(diagnostic.hint == "allowed values: 'Default', 'Serverless'")
        #expect(diagnostic.position == "4:11")
    }

    @Test("Enum values are matched without regard to case")
    func enumValuesIgnoreCase() throws {
        let model = try validModel("resources:\n  hub:\n    type: signalr\n    mode: serverless\n")
        #expect(model.signalRResources[0].mode == .serverless)
    }

    @Test("A bad resource type lists the types")
    func badResourceType() throws {
        let diagnostic = try #require(singleError("resources:\n  db:\n    type: postgres\n"))
        #expect(diagnostic.message == "'postgres' is not a valid 'type'")
        #expect(diagnostic.hint == "allowed values: 'signalr', 'project'")
        #expect(diagnostic.position == "3:11")
    }

    @Test("A resource without a type says what to add")
    func missingType() throws {
        let diagnostic = try #require(singleError("resources:\n  api:\n    command: run\n"))
        #expect(diagnostic.message == "resource 'api' has no 'type'")
        #expect(diagnostic.position == "2:3")
    }

    @Test("A project without a command is an error")
    func missingCommand() throws {
        let diagnostic = try #require(singleError("resources:\n  api:\n    type: project\n"))
        #expect(diagnostic.message == "project 'api' has no 'command'")
        #expect(diagnostic.position == "2:3")
    }

    @Test("An unclosed quote in a command is located at the quote")
    func unclosedQuoteInCommand() throws {
        let diagnostic = try #require(singleError("resources:\n  api:\n    type: project\n    command: python3 'app.py\n"))
        #expect(diagnostic.message == "the command has an unclosed ' quote")
        #expect(diagnostic.position == "4:22")
    }

    @Test("Names Azure would refuse are errors", arguments: [
        ("-chat", "resource name '-chat' must start with a letter"),
        ("chat_hub", "resource name 'chat_hub' may contain only letters, digits and '-'"),
        ("chat-", "resource name 'chat-' must end with a letter or digit"),
        ("chat--hub", "resource name 'chat--hub' cannot contain '--'"),
        ("ab", "a SignalR resource name needs at least 3 characters ('ab' has 2)"),
        (String(repeating: "a", count: 64), "resource name '\(String(repeating: "a", count: 64))' is longer than 63 characters"),
    ])
    func refusedNames(name: String, message: String) throws {
        let diagnostic = try #require(singleError("resources:\n  \(name):\n    type: signalr\n    mode: Serverless\n"))
        #expect(diagnostic.message == message)
        #expect(diagnostic.position == "2:3")
    }

    @Test("Names that differ only in case would give the same variables")
    func namesDifferingInCase() throws {
        let diagnostic = try #require(singleError("""
            resources:
              Chat:
                type: signalr
                mode: Serverless
              chat:
                type: signalr
                mode: Serverless
            """))
        #expect(diagnostic.message == "resource names 'Chat' and 'chat' differ only in case; both would give CHAT_* variables")
        #expect(diagnostic.position == "5:3")
    }

    @Test("A reference to an unknown resource suggests the closest name")
    func unknownReference() throws {
        let diagnostic = try #require(singleError("""
            resources:
              signalr: { type: signalr, mode: Serverless }
              api:
                type: project
                command: run
                references: [signalR]
            """))
        #expect(diagnostic.message == "'api' references 'signalR', which is not a resource in this file; did you mean 'signalr'?")
        #expect(diagnostic.position == "6:18")
    }

    @Test("A project that references itself is an error")
    func selfReference() throws {
        let diagnostic = try #require(singleError("resources:\n  api:\n    type: project\n    command: run\n    port: 0\n    references: [api]\n"))
        #expect(diagnostic.message == "'api' references itself")
        #expect(diagnostic.position == "6:18")
    }

    @Test("waitFor an unknown resource, or itself, is an error")
    func waitForProblems() throws {
        let diagnostics = load("resources:\n  api:\n    type: project\n    command: run\n    waitFor: [api, db]\n").diagnostics
        #expect(diagnostics.map(\.message) == ["'api' waits for itself", "'api' waits for 'db', which is not a resource in this file"])
        #expect(diagnostics.map(\.position) == ["5:15", "5:20"])
    }

    @Test("A cycle is printed from start to end")
    func dependencyCycle() throws {
        let diagnostic = try #require(singleError("""
            resources:
              api:
                type: project
                command: run
                waitFor: [worker]
              worker:
                type: project
                command: run
                waitFor: [api]
            """))
        #expect(diagnostic.message == "dependency cycle: api → worker → api")
        #expect(diagnostic.position == "9:15")
    }

    @Test("A cycle through references and waitFor of three projects is found")
    func longerCycle() throws {
        let diagnostic = try #require(singleError("""
            resources:
              a: { type: project, command: run, port: 0, references: [b] }
              b: { type: project, command: run, port: 0, waitFor: [c] }
              c: { type: project, command: run, port: 0, references: [a] }
            """))
        #expect(diagnostic.message == "dependency cycle: a → b → c → a")
        #expect(diagnostic.location?.line == 4)
    }

    @Test("upstream on a Default-mode resource is an error")
    func upstreamInDefaultMode() throws {
        let diagnostics = load("""
            resources:
              hub:
                type: signalr
                emulator: false
                endpoint: https://hub.service.signalr.net
                upstream:
                  - urlTemplate: https://example.com/{event}
            """).diagnostics
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message == "'upstream' is a Serverless-mode feature, but 'hub' is in Default mode")
        #expect(diagnostics.first?.position == "7:7")
    }

    @Test("emulator: false without an endpoint says what to add")
    func cloudWithoutEndpoint() throws {
        let diagnostic = try #require(singleError("resources:\n  hub:\n    type: signalr\n    mode: Serverless\n    emulator: false\n"))
        #expect(diagnostic.message == "'hub' has 'emulator: false' but no 'endpoint'")
        #expect(diagnostic.hint?.contains("https://<name>.service.signalr.net") == true)
        #expect(diagnostic.position == "5:15")
    }

    @Test("A cloud endpoint must be a URL without a path")
    func badEndpoint() throws {
        let diagnostic = try #require(singleError("resources:\n  hub:\n    type: signalr\n    emulator: false\n    endpoint: hub.service.signalr.net\n"))
        #expect(diagnostic.message == "'hub.service.signalr.net' is not a SignalR endpoint URL")
        #expect(diagnostic.position == "5:15")
    }

    @Test("An unset variable without a default is located inside the value")
    func unsetVariable() throws {
        let diagnostic = try #require(singleError("resources:\n  hub:\n    type: signalr\n    mode: Serverless\n    accessKey: key-${SIGNALR_KEY}\n"))
        #expect(diagnostic.message == "environment variable 'SIGNALR_KEY' is not set")
        #expect(diagnostic.hint?.contains("${SIGNALR_KEY:-value}") == true)
        #expect(diagnostic.position == "5:20")
    }

    @Test("Two resources with the same fixed port are an error at the second")
    func duplicatePorts() throws {
        let diagnostic = try #require(singleError("""
            resources:
              hub: { type: signalr, mode: Serverless, port: 8888 }
              api:
                type: project
                command: run
                port: 8888
            """))
        #expect(diagnostic.message == "port 8888 is already used by 'hub' (line 2)")
        #expect(diagnostic.position == "6:11")
    }

    @Test("Default mode with the emulator is valid without a warning: app servers connect to it")
    func defaultModeWithEmulator() throws {
        let outcome = load("resources:\n  hub:\n    type: signalr\n    mode: Default\n")
        #expect(outcome.model != nil)
        #expect(outcome.diagnostics.isEmpty)
    }

    @Test("The default mode is Default, as Aspire's, and an emulated resource in it needs no warning")
    func implicitDefaultMode() throws {
        let outcome = load("resources:\n  hub:\n    type: signalr\n")
        #expect(outcome.model?.signalRResources.first?.mode == .default)
        #expect(outcome.diagnostics.isEmpty)
    }

    @Test("A capacity the sku does not allow lists what it allows")
    func capacityRules() throws {
        let diagnostic = try #require(singleError("resources:\n  hub:\n    type: signalr\n    mode: Serverless\n    sku: Standard_S1\n    capacity: 15\n"))
        #expect(diagnostic.message == "capacity 15 is not available for sku Standard_S1")
        #expect(diagnostic.hint == "Standard_S1 allows 1–10, 20, 30, 40 … 100")
        #expect(diagnostic.position == "6:15")
    }

    @Test("A reference to a project without an endpoint is an error")
    func referenceToProjectWithoutEndpoint() throws {
        let diagnostic = try #require(singleError("""
            resources:
              worker: { type: project, command: run }
              web: { type: project, command: run, references: [worker] }
            """))
        #expect(diagnostic.message == "'web' references project 'worker', which has no endpoint")
        #expect(diagnostic.position == "3:52")
    }

    @Test("A healthCheck needs a port")
    func healthCheckWithoutPort() throws {
        let diagnostic = try #require(singleError("resources:\n  api:\n    type: project\n    command: run\n    healthCheck: /health\n"))
        #expect(diagnostic.message == "'healthCheck' needs an HTTP endpoint, but 'api' has no 'port'")
        #expect(diagnostic.position == "5:18")
    }

    @Test("An expression naming an unknown resource is located at the brace")
    func unknownExpressionResource() throws {
        let diagnostic = try #require(singleError("""
            resources:
              hub:
                type: signalr
                mode: Serverless
                upstream:
                  - urlTemplate: "{apii.url}/upstream/{event}"
              api: { type: project, command: run, port: 0 }
            """))
        #expect(diagnostic.message == "'{apii.url}' names 'apii', which is not a resource in this file; did you mean 'api'?")
        #expect(diagnostic.position == "6:23")
    }

    @Test("An expression asking for an unknown property lists the properties")
    func unknownExpressionProperty() throws {
        let diagnostic = try #require(singleError("""
            resources:
              api: { type: project, command: run, port: 0, env: { SELF: "{api.uri}" } }
            """))
        #expect(diagnostic.message == "'{api.uri}': a project resource has no property 'uri'; did you mean 'url'?")
        #expect(diagnostic.hint == "properties: url, host, port")
    }

    @Test("clientId without authType azure.msi is an error")
    func clientIdWithoutManagedIdentity() throws {
        let diagnostic = try #require(singleError("""
            resources:
              hub:
                type: signalr
                emulator: false
                endpoint: https://hub.service.signalr.net
                clientId: 00000000-0000-0000-0000-000000000001
            """))
        #expect(diagnostic.message == "'clientId' selects a user-assigned managed identity and needs 'authType: azure.msi'")
        #expect(diagnostic.position == "6:15")
    }

    @Test("Every problem is reported, not only the first")
    func everyProblemReported() throws {
        let diagnostics = load("""
            resources:
              signalr:
                type: signalr
                mdoe: Serverless
              api:
                type: project
                command: run
                restart: sometimes
                references: [signalrr]
            """).diagnostics
        #expect(diagnostics.filter { $0.severity == .error }.count == 3)
        #expect(diagnostics.map(\.location?.line) == [4, 8, 9])
    }

    @Test("A model with only extension keys and anchors loads")
    func extensionKeysAndMerge() throws {
        let model = try validModel("""
            x-defaults: &defaults
              type: project
              restart: always
            resources:
              api:
                <<: *defaults
                command: run
              worker:
                <<: *defaults
                command: work
                restart: never
            """)
        #expect(model.projects.map(\.restart) == [.always, .never])
    }
}
