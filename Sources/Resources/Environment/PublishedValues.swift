/// The values resources expose once deployed, as expressions over the deployment's outputs.
///
/// They follow Aspire's manifest: `{signalr.outputs.hostName}` is the `hostName` output of the
/// SignalR resource's Bicep module, `{api.bindings.http.url}` the URL of the project's endpoint.
/// Connection strings never carry keys: published resources use Microsoft Entra ID.
public struct PublishedValues: ConnectionValues {
    /// The model.
    public let model: ApplicationModel

    /// The published values of `model`.
    public init(model: ApplicationModel) {
        self.model = model
    }

    public func uri(of resource: SignalRResource) -> String { "https://\(host(of: resource))" }

    public func host(of resource: SignalRResource) -> String { "{\(resource.name).outputs.hostName}" }

    public func port(of resource: SignalRResource) -> String { "443" }

    public func connectionString(of resource: SignalRResource) -> (value: String, secrets: [String]) {
        let authentication: CloudAuthentication
        if case .managedIdentity = resource.effectiveAuthentication {
            authentication = resource.effectiveAuthentication
        } else {
            authentication = .azure
        }
        return connectionString(endpoint: uri(of: resource), authentication: authentication, accessKey: nil)
    }

    public func url(of project: ProjectResource) -> String { "{\(project.name).bindings.http.url}" }

    public func host(of project: ProjectResource) -> String { "{\(project.name).bindings.http.host}" }

    public func port(of project: ProjectResource) -> String { "{\(project.name).bindings.http.targetPort}" }
}
