import Foundation
import NIOCore
import Synchronization

/// The transports a client can connect over.
public enum TransportKind: String, Sendable, CaseIterable {
    case webSockets = "WebSockets"
    case serverSentEvents = "ServerSentEvents"
    case longPolling = "LongPolling"
}

/// Where a connection's outgoing frames go.
enum ConnectionOutput: Sendable {
    /// Queued for the transport's requests to collect (Server-Sent Events, long polling).
    case queued(Outbox)
    /// Written to the WebSocket's channel on its event loop.
    case webSocket(WebSocketOutput)
    /// A WebSocket client with stateful reconnect: its socket may change (`ReliableSession`).
    case reliable(ReliableSession)
}

/// One client connection: who it is, how it talks, and where its frames go.
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
    /// The headers of the connect request that its app server is told of (Default mode).
    let requestHeaders: [ServiceHeader]
    /// The transport.
    public let transport: TransportKind
    /// When the transport connected.
    public let connectedAt: Date
    /// Where frames to the client go.
    let output: ConnectionOutput

    private struct State {
        var protocolKind: HubProtocolKind?
        var lastReceived: ContinuousClock.Instant
        var lastSent: ContinuousClock.Instant
        var closed = false
        var transportError: String?
        /// The app server the connection is routed to (Default mode); nil when the service
        /// serves it itself (Serverless).
        var appServer: AppServerConnection?
        /// Whether the app server closed it (so it is not told again).
        var closedByAppServer = false
        /// The first parts of a message its app server sends in pieces (partial ConnectionData).
        var partialFromAppServer: [UInt8] = []
        /// The client's handshake request, replayed to the app server it migrates to.
        var handshakeRecord: [UInt8]?
        /// Whether the next app server's answer to the replayed handshake is still to be
        /// dropped (the client did its handshake long ago).
        var dropsHandshakeAnswer = false
    }

    private let state: Mutex<State>
    /// The frame decoder of an HTTP transport, kept between its POST requests.
    private let httpDecoder = Mutex<HubFrameDecoder?>(nil)

    init(id: String, hub: String, userID: String?, claims: TokenClaims, clientQuery: String, requestHeaders: [ServiceHeader] = [],
         transport: TransportKind, output: ConnectionOutput) {
        self.id = id
        self.hub = hub
        self.userID = userID
        self.claims = claims
        self.clientQuery = clientQuery
        self.requestHeaders = requestHeaders
        self.transport = transport
        self.connectedAt = Date()
        self.output = output
        let now = ContinuousClock.now
        self.state = Mutex(State(lastReceived: now, lastSent: now))
    }

    /// The app server the connection is routed to, if any.
    var appServer: AppServerConnection? { state.withLock { $0.appServer } }

    /// Notes that its app server closed it; false if that was already noted.
    func noteClosedByAppServer() -> Bool {
        state.withLock { state in
            defer { state.closedByAppServer = true }
            return !state.closedByAppServer
        }
    }

    /// Routes the connection to `server` after its handshake, keeping that handshake.
    func route(to server: AppServerConnection, handshake: [UInt8]) {
        state.withLock { state in
            state.appServer = server
            state.handshakeRecord = handshake
        }
    }

    /// Moves the connection to `server` (a migration): returns the handshake to replay there,
    /// whose answer is then dropped.
    func migrate(to server: AppServerConnection) -> [UInt8]? {
        state.withLock { state in
            state.appServer = server
            state.dropsHandshakeAnswer = true
            return state.handshakeRecord
        }
    }

    /// `bytes` from its app server, without the answer to a replayed handshake if that is
    /// still to be dropped.
    func withoutReplayedHandshakeAnswer(_ bytes: [UInt8]) -> [UInt8] {
        state.withLock { state in
            guard state.dropsHandshakeAnswer, let end = bytes.firstIndex(of: JSONHubProtocol.recordSeparator) else { return bytes }
            state.dropsHandshakeAnswer = false
            return Array(bytes[(end + 1)...])
        }
    }

    /// Keeps a piece of a message its app server sends in parts.
    func holdPartial(_ bytes: [UInt8]) {
        state.withLock { $0.partialFromAppServer += bytes }
    }

    /// The pieces kept so far, followed by `last`: the whole message.
    func completePartial(_ last: [UInt8]) -> [UInt8] {
        state.withLock { state in
            defer { state.partialFromAppServer = [] }
            return state.partialFromAppServer.isEmpty ? last : state.partialFromAppServer + last
        }
    }

    /// Whether its app server closed it.
    var wasClosedByAppServer: Bool { state.withLock { $0.closedByAppServer } }

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

    /// The queue an HTTP transport drains; nil for a WebSocket.
    var outbox: Outbox? {
        if case .queued(let outbox) = output { outbox } else { nil }
    }

    /// Notes that something was sent (keep-alive pings wait for a silence).
    func noteSent(at now: ContinuousClock.Instant = .now) {
        state.withLock { $0.lastSent = now }
    }

    /// A hub frame inside the WebSocket frame its protocol travels in: binary for MessagePack,
    /// text otherwise (and before the handshake, whose replies are JSON).
    func webSocketFrame(_ hubFrame: ByteBuffer) -> ByteBuffer {
        WebSocketFrameBytes.message(hubFrame, binary: protocolKind?.isBinary == true)
    }

    /// Ends the output after what was already handed over, and `closeFrame` (a hub Close message).
    func finishOutput(closeFrame: ByteBuffer?) {
        switch output {
        case .queued(let outbox): outbox.finish(closeFrame: closeFrame)
        case .webSocket(let writer): writer.finish(hubClose: closeFrame.map(webSocketFrame))
        case .reliable(let session): session.end()?.finish(hubClose: closeFrame.map(webSocketFrame))
        }
    }

    /// Ends the output at once, dropping what still waits in a queue (the client is gone).
    func abandonOutput() {
        switch output {
        case .queued(let outbox): outbox.abandon(closeFrame: nil)
        case .webSocket(let writer): writer.finish(hubClose: nil)
        case .reliable(let session): session.end()?.finish(hubClose: nil)
        }
    }

    /// The decoder holding what earlier POSTs left unfinished (a new one the first time).
    func takeHTTPDecoder(maximumMessageSize: Int) -> HubFrameDecoder {
        httpDecoder.withLock { $0.take() } ?? HubFrameDecoder(maximumMessageSize: maximumMessageSize)
    }

    /// Keeps the decoder for the next POST.
    func keepHTTPDecoder(_ decoder: HubFrameDecoder) {
        httpDecoder.withLock { $0 = decoder }
    }

    /// Records why the transport broke (the first reason is kept).
    func noteTransportError(_ reason: String) {
        state.withLock { state in
            if state.transportError == nil { state.transportError = reason }
        }
    }

    /// Why the transport broke, if it did.
    var transportError: String? { state.withLock { $0.transportError } }

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
