/// A managed identity that `apphost run` gives one project (or one emulated SignalR resource,
/// for its upstream calls): the ids Azure would give a managed identity, kept between runs, and
/// the secret header of this run that its token requests must carry (`IDENTITY_HEADER`).
public struct LocalIdentity: Sendable, Equatable {
    /// The project or emulated resource it belongs to.
    public var project: String
    /// The application (client) id: `appid` of its tokens, `AZURE_CLIENT_ID` for `azure.msi`.
    public var clientID: String
    /// The object (principal) id: `oid` of its tokens, the principal of its role assignments.
    public var objectID: String
    /// The value of `X-IDENTITY-HEADER` that identifies the project's requests in this run.
    public var header: String

    /// An identity with these ids and header.
    public init(project: String, clientID: String, objectID: String, header: String) {
        self.project = project
        self.clientID = clientID
        self.objectID = objectID
        self.header = header
    }
}
