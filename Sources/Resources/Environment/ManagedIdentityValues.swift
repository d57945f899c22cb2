/// The managed identity a project signs in with under `apphost run`, when it references an
/// emulated SignalR resource with `authType: azure` or `azure.msi`.
public struct ManagedIdentityValues: Sendable, Equatable {
    /// The application (client) id.
    public var clientID: String
    /// The object (principal) id.
    public var objectID: String
    /// The secret `X-IDENTITY-HEADER` of this run.
    public var header: String

    /// An identity with these ids and header.
    public init(clientID: String, objectID: String, header: String) {
        self.clientID = clientID
        self.objectID = objectID
        self.header = header
    }
}

/// Supplies each project's managed identity: ids kept between runs, a header made for the run.
/// The command line keeps them in `.apphost/`; tests inject fixed ones.
public protocol IdentityProvider {
    /// The identity of `project`, the same ids on every call.
    func identity(for project: String) throws -> ManagedIdentityValues
    /// The tenant of the identities (`tid`), the same on every call.
    func tenantID() throws -> String
}
