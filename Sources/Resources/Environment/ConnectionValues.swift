/// The values a resource exposes to others: URLs, hosts, ports, connection strings.
///
/// Two sources provide them: a local run (``ResolvedApplication``: real ports and keys) and a
/// deployment (``PublishedValues``: expressions over Bicep outputs, as in Aspire's manifest).
/// Everything a project receives is computed from them by the same code.
public protocol ConnectionValues: Sendable {
    /// The model the values are for.
    var model: ApplicationModel { get }
    /// The service URI of a SignalR resource (`SIGNALR_URI`).
    func uri(of resource: SignalRResource) -> String
    /// The host of a SignalR resource.
    func host(of resource: SignalRResource) -> String
    /// The port of a SignalR resource.
    func port(of resource: SignalRResource) -> String
    /// The connection string of a SignalR resource, with its secrets.
    func connectionString(of resource: SignalRResource) -> (value: String, secrets: [String])
    /// The URL of a project's endpoint.
    func url(of project: ProjectResource) -> String
    /// The host of a project's endpoint.
    func host(of project: ProjectResource) -> String
    /// The port a project's endpoint listens on.
    func port(of project: ProjectResource) -> String
    /// The connection string `project` receives for `resource`, with its secrets.
    func connectionString(of resource: SignalRResource, for project: ProjectResource) -> (value: String, secrets: [String])
    /// The variables that tell `project` which managed identity it signs in with.
    func identityVariables(for project: ProjectResource) -> [EnvironmentVariable]
    /// The value of one of `project`'s own `env:` entries.
    func value(of entry: EnvironmentEntry, in project: ProjectResource) -> (value: String, secrets: [String])
    /// The managed identity `project` signs in with; nil when it has none.
    func managedIdentity(of project: ProjectResource) -> ManagedIdentityValues?
    /// The token endpoint of the managed identities (`IDENTITY_ENDPOINT`); nil when none runs.
    var identityEndpoint: String? { get }
    /// Where a receiver of the identities' tokens finds their issuer and signing key; nil when
    /// the tokens are Entra ID's own.
    var openIDConfiguration: String? { get }
}

extension ConnectionValues {
    public func managedIdentity(of project: ProjectResource) -> ManagedIdentityValues? { nil }

    public var identityEndpoint: String? { nil }

    public var openIDConfiguration: String? { nil }

    /// The connection string `project` receives for `resource`: with `azure.msi` on an emulated
    /// resource, it names the project's own identity, as each app's in Azure names its own.
    public func connectionString(of resource: SignalRResource, for project: ProjectResource) -> (value: String, secrets: [String]) {
        if resource.emulator, case .managedIdentity = resource.localAuthentication, let identity = managedIdentity(of: project) {
            return connectionString(endpoint: uri(of: resource), authentication: .managedIdentity(clientID: identity.clientID), accessKey: nil)
        }
        return connectionString(of: resource)
    }

    /// Under `apphost run`, what Azure App Service and Container Apps give an app with a managed
    /// identity: the token endpoint and its secret header, the client id when the app must pick
    /// its user-assigned identity, and where the tokens' signing keys are.
    public func identityVariables(for project: ProjectResource) -> [EnvironmentVariable] {
        guard let identity = managedIdentity(of: project), let endpoint = identityEndpoint else { return [] }
        var variables = [
            EnvironmentVariable(name: "IDENTITY_ENDPOINT", value: endpoint),
            EnvironmentVariable(name: "IDENTITY_HEADER", value: identity.header, secrets: [identity.header]),
        ]
        if usesUserAssignedIdentity(project) { variables.append(EnvironmentVariable(name: "AZURE_CLIENT_ID", value: identity.clientID)) }
        // Local only: Entra ID's metadata lives at login.microsoftonline.com in Azure.
        if let configuration = openIDConfiguration {
            variables.append(EnvironmentVariable(name: "APPHOST_OPENID_CONFIGURATION", value: configuration))
        }
        return variables
    }

    /// Whether `project` references an emulated resource with `authType: azure.msi`, whose SDKs
    /// pick the identity by `AZURE_CLIENT_ID`.
    private func usesUserAssignedIdentity(_ project: ProjectResource) -> Bool {
        project.references.contains { reference in
            guard case .signalR(let resource)? = model.resource(named: reference.resource), resource.emulator,
                  case .managedIdentity = resource.localAuthentication else { return false }
            return true
        }
    }

    /// The entry's template with its expressions replaced; all of it is secret when its name
    /// says so.
    public func value(of entry: EnvironmentEntry, in project: ProjectResource) -> (value: String, secrets: [String]) {
        let rendered = render(entry.value)
        return (rendered.value, EnvironmentVariable.nameSuggestsSecret(entry.name) ? [rendered.value] : rendered.secrets)
    }

    /// Renders a connection string from its parts, in the order the Azure SDKs print them.
    func connectionString(endpoint: String, authentication: CloudAuthentication, accessKey: String?) -> (value: String, secrets: [String]) {
        switch authentication {
        case .accessKey:
            let key = accessKey ?? ""
            return ("Endpoint=\(endpoint);AccessKey=\(key);Version=1.0;", [key])
        case .azure:
            return ("Endpoint=\(endpoint);AuthType=azure;Version=1.0;", [])
        case .managedIdentity(let clientID):
            let client = clientID.map { "ClientId=\($0);" } ?? ""
            return ("Endpoint=\(endpoint);AuthType=azure.msi;\(client)Version=1.0;", [])
        }
    }

    /// The value of `{resource.property}`, or nil when the model has no such value (the
    /// validator reports those before values are computed).
    public func value(of expression: ValueExpression) -> (value: String, secrets: [String])? {
        guard let property = ValueProperty(rawValue: expression.property) else { return nil }
        switch model.resource(named: expression.resource) {
        case .signalR(let resource)?:
            switch property {
            case .url: return (uri(of: resource), [])
            case .host: return (host(of: resource), [])
            case .port: return (port(of: resource), [])
            case .connectionString: return connectionString(of: resource)
            }
        case .project(let project)? where project.hasEndpoint:
            switch property {
            case .url: return (url(of: project), [])
            case .host: return (host(of: project), [])
            case .port: return (port(of: project), [])
            case .connectionString: return nil
            }
        default:
            return nil
        }
    }

    /// A template with its expressions replaced by values.
    public func render(_ template: TemplateString) -> (value: String, secrets: [String]) {
        var secrets: [String] = []
        let text = template.rendered { expression in
            guard let value = value(of: expression) else { return "{\(expression.resource).\(expression.property)}" }
            secrets += value.secrets
            return value.value
        }
        return (text, secrets)
    }
}
