/// The service mode of Azure SignalR Service, as its `ServiceMode` feature flag names it.
public enum ServiceMode: String, Sendable, CaseIterable {
    /// Clients are routed to app servers' connections (`AddAzureSignalR()`).
    case `default` = "Default"
    /// Clients talk to the service alone: the REST API and upstreams.
    case serverless = "Serverless"
}

/// How an emulator listens and behaves.
public struct EmulatorConfiguration: Sendable {
    /// The service mode. Either way a client of a hub with app servers is routed to them; in
    /// Default mode a client that finds none is refused, as Azure refuses it.
    public var serviceMode: ServiceMode = .serverless
    /// The addresses to listen on; by default loopback only (IPv4, and IPv6 where available).
    public var hosts: [String] = ["127.0.0.1", "::1"]
    /// The port; 0 for a free one.
    public var port: Int = 0
    /// The key tokens are signed with.
    public var accessKey: String
    /// Upstream templates, first match wins.
    public var upstream: [UpstreamRule] = []
    /// The token that guards `/_apphost/*`; nil disables introspection.
    public var introspectionToken: String?
    /// How many of the newest events introspection keeps for `/_apphost/recent`.
    public var eventHistory = 500
    /// Where the emulator sends the spans of each message's path (OTLP/HTTP); nil records none.
    public var spanExport: SpanExport?
    /// The largest hub message or REST body accepted.
    public var maximumMessageSize = 1 << 20
    /// The most bytes that may wait for one client before it is dropped as too slow.
    public var outboxLimit = 4 << 20
    /// How often the emulator pings an idle client.
    public var keepAliveInterval: Duration = .seconds(15)
    /// How long a silent client is kept.
    public var clientTimeout: Duration = .seconds(30)
    /// How long a client may take to send its handshake.
    public var handshakeTimeout: Duration = .seconds(15)
    /// How long a negotiated connection token waits for its transport.
    public var negotiateTimeout: Duration = .seconds(60)
    /// How long an upstream call may take.
    public var upstreamTimeout: Duration = .seconds(10)
    /// How long a graceful shutdown (SIGINT, SIGTERM) may take, whatever the clients do:
    /// clients are closed, `disconnected` events sent upstream, and what is still open after
    /// half of it is closed without waiting further.
    public var shutdownTimeout: Duration = .seconds(5)
    /// How long a key from `GET /api/auth/accessKey` is valid, in seconds (90 minutes, as the
    /// service's).
    public var temporaryKeyLifetime: Double = 90 * 60
    /// How long a stateful-reconnect client whose socket dropped may take to come back.
    public var reconnectWindow: Duration = .seconds(15)
    /// The most bytes of messages kept for a stateful-reconnect client until it acknowledges
    /// them; a client further behind is closed.
    public var reconnectBufferLimit = 1 << 20
    /// How long `connections/{id}/:invoke` waits for the client's result.
    public var clientInvocationTimeout: Duration = .seconds(60)

    /// Microsoft Entra ID tokens of this issuer are accepted, with these role assignments; nil
    /// accepts none.
    public var entra: EntraTrust?
    /// Whether tokens signed with the access key are refused, as `disableLocalAuth` makes Azure
    /// do (`authType: azure`): REST callers need Entra ID, clients a token from `:generateToken`
    /// or signed with a temporary key.
    public var localAuthDisabled = false

    /// The emulator's own managed identity, for upstreams with `auth: ManagedIdentity`; nil
    /// when it has none.
    public var managedIdentity: ManagedIdentityEndpoint?

    /// A configuration with defaults.
    public init(accessKey: String) {
        self.accessKey = accessKey
    }
}
