import Access
import Resources
import Testing

/// Identities named after their project, with a fixed header.
struct FixedIdentities: IdentityProvider {
    func identity(for project: String) throws -> ManagedIdentityValues {
        ManagedIdentityValues(clientID: "client-of-\(project)", objectID: "object-of-\(project)", header: "header-of-\(project)")
    }

    func tenantID() throws -> String { "tenant" }
}

@Suite("Keyless: authType on emulated resources, identities and roles")
struct KeylessTests {
    func resolved(_ yaml: String) throws -> ResolvedApplication {
        var ports = SequentialPorts()
        return try ResolvedApplication(model: try validModel(yaml), allocator: &ports, keys: FixedKeys(), identities: FixedIdentities())
    }

    static func model(authType: String, roles: String = "") -> String {
        """
        resources:
          signalr:
            type: signalr
            mode: Serverless
            authType: \(authType)
          api:
            type: project
            command: run
            references:
              - resource: signalr\(roles)
        """
    }

    @Test("authType: azure gives the emulator's connection string without a key, and the identity variables")
    func azureAuthentication() throws {
        let values = try resolved(Self.model(authType: "azure"))
        let api = variables(values, "api")
        #expect(api["ConnectionStrings__signalr"] == "Endpoint=http://localhost:40001;AuthType=azure;Version=1.0;")
        #expect(api["IDENTITY_ENDPOINT"] == "http://127.0.0.1:40002/msi/token")
        #expect(api["IDENTITY_HEADER"] == "header-of-api")
        #expect(api["AZURE_CLIENT_ID"] == nil)
        #expect(api["APPHOST_OPENID_CONFIGURATION"] == "http://127.0.0.1:40002/tenant/.well-known/openid-configuration")
        let header = values.environment(for: values.model.projects[0]).first { $0.name == "IDENTITY_HEADER" }
        #expect(header?.secrets == ["header-of-api"], "the header is masked like a key")
    }

    @Test("authType: azure.msi names the project's own identity in its connection string and AZURE_CLIENT_ID")
    func managedIdentityAuthentication() throws {
        let api = variables(try resolved(Self.model(authType: "azure.msi")), "api")
        #expect(api["ConnectionStrings__signalr"] == "Endpoint=http://localhost:40001;AuthType=azure.msi;ClientId=client-of-api;Version=1.0;")
        #expect(api["AZURE_CLIENT_ID"] == "client-of-api")
    }

    @Test("An emulated resource without authType keeps its access key and gives no identity")
    func accessKeyByDefault() throws {
        let values = try resolved(Self.model(authType: "accessKey"))
        #expect(variables(values, "api")["IDENTITY_ENDPOINT"] == nil)
        #expect(values.identityPort == nil)
    }

    @Test("A reference's roles are read in either spelling; the default is App Server, plus REST API Owner in Serverless mode")
    func rolesOfReferences() throws {
        let written = try validModel(Self.model(authType: "azure", roles: "\n        roles: [SignalR REST API Reader, signalrserviceowner]"))
        let resource = written.signalRResources[0]
        #expect(written.roleHolders(of: resource).map(\.roles) == [[.restAPIReader, .serviceOwner]])
        let defaults = try validModel(Self.model(authType: "azure"))
        #expect(defaults.roleHolders(of: defaults.signalRResources[0]).map(\.roles) == [[.appServer, .restAPIOwner]])
    }

    @Test("An unknown role is an error at its position, with the closest role")
    func unknownRole() throws {
        let problem = try #require(singleError(Self.model(authType: "azure", roles: "\n        roles: [SignalRRestApiOwnr]")))
        #expect(problem.message.contains("did you mean 'SignalRRestApiOwner'"))
        #expect(problem.position == "11:17")
    }

    @Test("Publish grants the deploying principal every role the references hold, from the same list of roles")
    func publishedRoles() throws {
        let model = try validModel(Self.model(authType: "azure", roles: "\n        roles: [SignalRRestApiReader]"))
        let roles = try #require(BicepPublisher(model: model).files().first { $0.path == "signalr-roles/signalr-roles.bicep" })
        #expect(roles.contents.contains("'\(SignalRRole.restAPIReader.definitionID)'"))
        #expect(!roles.contents.contains(SignalRRole.restAPIOwner.definitionID))
        #expect(roles.contents.contains("// SignalR REST API Reader: ask the REST API whether connections, users and groups exist."))
    }

    static let upstreamModel = """
        resources:
          signalr:
            type: signalr
            mode: Serverless
            upstream:
              - urlTemplate: "http://localhost:9/upstream/{event}"
                auth: AUTH
        """

    @Test("An upstream's managed-identity auth is read, gives the emulator an identity, and adds its resource to the tokens issued")
    func upstreamManagedIdentity() throws {
        let model = try validModel(Self.upstreamModel.replacingOccurrences(of: "AUTH", with: "{ type: ManagedIdentity, resource: api://chat }"))
        #expect(model.signalRResources[0].upstream[0].auth == .managedIdentity(resource: "api://chat"))
        #expect(model.namesWithIdentity == ["signalr"])
        #expect(model.tokenResources == ["https://signalr.azure.com", "api://chat"])
    }

    @Test("An upstream's auth without a resource, or of an unknown type, is a located error", arguments: [
        ("{ type: ManagedIdentity }", "needs 'resource'"),
        ("{ type: Managedidentty, resource: x }", "did you mean 'ManagedIdentity'"),
        ("{ resource: x }", "needs 'type'"),
    ])
    func badUpstreamAuth(auth: String, message: String) throws {
        let problem = try #require(singleError(Self.upstreamModel.replacingOccurrences(of: "AUTH", with: auth)))
        #expect(problem.message.contains(message), "\(problem.message)")
        #expect(problem.position.hasPrefix("7:"))
    }
}
