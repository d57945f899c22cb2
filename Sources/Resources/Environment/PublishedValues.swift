/// The values resources receive once deployed to Azure Container Apps, as placeholders over
/// the deployment's outputs (``DeploymentNames``).
///
/// They follow Aspire's manifest: `{signalr.outputs.hostName}` is the `hostName` output of the
/// SignalR resource's Bicep module. Every project signs in with a user-assigned identity of its
/// own, so connection strings carry `AuthType=azure.msi` and that identity's client id, never a
/// key; projects reach each other, and the service reaches their upstreams, at the address of
/// their ingress in the environment's domain.
public struct PublishedValues: ConnectionValues {
    /// The model.
    public let model: ApplicationModel

    /// The published values of `model`.
    public init(model: ApplicationModel) {
        self.model = model
    }

    public func uri(of resource: SignalRResource) -> String { "https://\(host(of: resource))" }

    public func host(of resource: SignalRResource) -> String { DeploymentNames.output("hostName", of: resource.name) }

    public func port(of resource: SignalRResource) -> String { "443" }

    /// What an app without an identity of its own would use: the resource as a whole.
    public func connectionString(of resource: SignalRResource) -> (value: String, secrets: [String]) {
        connectionString(endpoint: uri(of: resource), authentication: .azure, accessKey: nil)
    }

    /// The project's own identity, named by its client id, as Azure's SDKs pick a user-assigned one.
    public func connectionString(of resource: SignalRResource, for project: ProjectResource) -> (value: String, secrets: [String]) {
        connectionString(endpoint: uri(of: resource), authentication: .managedIdentity(clientID: DeploymentNames.clientID(of: project)),
                         accessKey: nil)
    }

    /// The client id of the project's identity, which Azure's SDKs read, and the tenant, which
    /// an app needs to check the tokens the service's upstream calls carry.
    public func identityVariables(for project: ProjectResource) -> [EnvironmentVariable] {
        [
            EnvironmentVariable(name: "AZURE_CLIENT_ID", value: DeploymentNames.clientID(of: project)),
            EnvironmentVariable(name: "AZURE_TENANT_ID", value: DeploymentNames.tenantID),
        ]
    }

    /// A secret-looking variable becomes a secure parameter of the deployment (a container app
    /// secret), so its value is never written into the infrastructure files.
    public func value(of entry: EnvironmentEntry, in project: ProjectResource) -> (value: String, secrets: [String]) {
        guard EnvironmentVariable.nameSuggestsSecret(entry.name) else { return render(entry.value) }
        return ("{\(DeploymentNames.secretParameter(of: project, variable: entry.name)).value}", [])
    }

    /// The address of `project`'s ingress (external, as every project with a port gets): calls
    /// from apps of the same environment stay inside it, as Aspire's do.
    public func url(of project: ProjectResource) -> String { "https://\(host(of: project))" }

    public func host(of project: ProjectResource) -> String {
        "\(DeploymentNames.appName(of: project)).\(DeploymentNames.defaultDomain)"
    }

    /// The port the project listens on inside its container.
    public func port(of project: ProjectResource) -> String { String(DeploymentNames.targetPort(of: project)) }
}
