import Foundation
import NIOCore
import Synchronization

/// The transports a client can connect over.
public enum TransportKind: String, Sendable, CaseIterable {
    case webSockets = "WebSockets"
    case serverSentEvents = "ServerSentEvents"
    case longPolling = "LongPolling"
}

/// One client connection: who it is, how it talks, and what waits to be sent to it.
public final class ClientConnection: Sendable {
    /// The public id (REST routes, upstream headers).
    public let id: String
    /// The hub, as the client named it.
    public let hub: String
    /// The user id from the token, if any.
    public let userID: String?
    /// The token's claims (for upstream headers).
    public let claims: TokenClaims
    /// The query string of the connect request, for `X-ASRS-Client-Query`.
    public let clientQuery: String
    /// The transport.
    public let transport: TransportKind
    /// When the transport connected.
    public let connectedAt: Date
    /// Frames waiting to be written.
    public let outbox: Outbox

    private struct State {
        var protocolKind: HubProtocolKind?
        var lastReceived: ContinuousClock.Instant
        var lastSent: ContinuousClock.Instant
        var closed = false
    }

    private let state: Mutex<State>
    /// The frame decoder of an HTTP transport, kept between its POST requests.
    private let httpDecoder = Mutex<HubFrameDecoder?>(nil)

    init(id: String, hub: String, userID: String?, claims: TokenClaims, clientQuery: String, transport: TransportKind, outboxLimit: Int) {
        self.id = id
        self.hub = hub
        self.userID = userID
        self.claims = claims
        self.clientQuery = clientQuery
        self.transport = transport
        self.connectedAt = Date()
        self.outbox = Outbox(limit: outboxLimit)
        let now = ContinuousClock.now
        self.state = Mutex(State(lastReceived: now, lastSent: now))
    }

    /// The protocol chosen in the handshake; nil until then.
    public var protocolKind: HubProtocolKind? { state.withLock { $0.protocolKind } }

    /// Records the protocol chosen in the handshake.
    func setProtocol(_ kind: HubProtocolKind) {
        state.withLock { $0.protocolKind = kind }
    }

    /// Whether the connection has been closed.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Notes that the client sent something (any message keeps it alive).
    func touchReceived() {
        state.withLock { $0.lastReceived = .now }
    }

    /// Queues an encoded frame; false if the client was too slow (the caller closes it).
    func send(_ frame: ByteBuffer) -> Bool {
        guard outbox.enqueue(frame) else { return false }
        state.withLock { $0.lastSent = .now }
        return true
    }

    /// The decoder holding what earlier POSTs left unfinished (a new one the first time).
    func takeHTTPDecoder(maximumMessageSize: Int) -> HubFrameDecoder {
        httpDecoder.withLock { $0.take() } ?? HubFrameDecoder(maximumMessageSize: maximumMessageSize)
    }

    /// Keeps the decoder for the next POST.
    func keepHTTPDecoder(_ decoder: HubFrameDecoder) {
        httpDecoder.withLock { $0 = decoder }
    }

    /// Marks the connection closed; true the first time only.
    func markClosed() -> Bool {
        state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
    }

    /// Time since the client last sent something and since the emulator last sent something.
    func idleTimes(now: ContinuousClock.Instant) -> (received: Duration, sent: Duration) {
        state.withLock { (now - $0.lastReceived, now - $0.lastSent) }
    }
}

/// Random identifiers for connections and connection tokens.
enum Identifier {
    /// 16 random bytes, base64url: 22 characters, like the service's connection ids.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
