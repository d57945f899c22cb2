import Foundation
import NIOCore
import Synchronization

/// One app server's connection to a hub (`/server/?hub=<hub>&cid=<id>`), as the Azure SignalR
/// server SDK opens several per hub and process: the service-protocol handshake, then pings,
/// and the messages that reach the hub's clients.
public final class AppServerConnection: Sendable {
    /// Where the connection is in its life.
    enum Phase: Sendable, Equatable {
        /// Upgraded; the HandshakeRequest has not come yet.
        case awaitingHandshake
        /// Handshaken: it carries messages.
        case ready(connectionType: Int, migrationLevel: Int)
        /// The server said it shuts down (`shutdown` ping, `fin:N`): it takes no new clients.
        case shuttingDown(mode: String)
        /// Closed.
        case closed
    }

    /// The connection's id (the SDK's `cid`), or one made here.
    public let id: String
    /// The hub, as the server named it.
    public let hub: String
    /// The server's name (`Asrs-Server-Id`, else the token's `nameid`), shown in introspection.
    public let serverID: String
    /// When it connected.
    public let connectedAt = Date()
    /// Writes its WebSocket frames on its event loop.
    let output: WebSocketOutput
    private let phase = Mutex(Phase.awaitingHandshake)
    private let forwarded = Atomic<UInt64>(0)
    private let received = Atomic<UInt64>(0)

    init(id: String, hub: String, serverID: String, output: WebSocketOutput) {
        self.id = id
        self.hub = hub
        self.serverID = serverID
        self.output = output
    }

    var currentPhase: Phase { phase.withLock { $0 } }

    /// Moves to `next`; returns the phase it left.
    @discardableResult
    func move(to next: Phase) -> Phase {
        phase.withLock { phase in
            defer { phase = next }
            return phase
        }
    }

    /// The phase as the state view names it.
    public var stateName: String {
        switch currentPhase {
        case .awaitingHandshake: "handshaking"
        case .ready: "ready"
        case .shuttingDown: "shutting down"
        case .closed: "closed"
        }
    }

    /// Whether the handshake is done and the connection has not begun to shut down.
    public var isReady: Bool {
        if case .ready = currentPhase { return true }
        return false
    }

    /// Messages of clients passed to this server (their handshakes included).
    public var messagesToServer: UInt64 { forwarded.load(ordering: .relaxed) }
    /// Data messages this server sent for clients (to one, a user, a group, the hub…).
    public var messagesFromServer: UInt64 { received.load(ordering: .relaxed) }

    func countForwarded() { forwarded.add(1, ordering: .relaxed) }
    func countReceived() { received.add(1, ordering: .relaxed) }

    /// Sends a message in a WebSocket binary frame (from any thread).
    func send(_ message: ServiceMessage) {
        let frame = WebSocketFrameBytes.message(ByteBuffer(bytes: message.framed), binary: true)
        let output = output
        output.eventLoop.execute {
            _ = output.write(frame)
            output.flush()
        }
    }

    /// Sends a ServiceError, then closes the WebSocket.
    func fail(_ reason: String) {
        let frame = WebSocketFrameBytes.message(ByteBuffer(bytes: ServiceMessage.serviceError(reason).framed), binary: true)
        let output = output
        move(to: .closed)
        output.eventLoop.execute {
            _ = output.write(frame)
            output.beginClose(hubClose: nil, code: .normalClosure)
        }
    }
}

/// The app servers' connections of every hub: where a client of a Default-mode hub is routed.
final class AppServerRegistry: Sendable {
    private let servers = Mutex<[String: [AppServerConnection]]>([:])
    private let turn = Atomic<Int>(0)

    /// The ready connection that takes the next client of `hub`, in turn; nil when none is.
    func next(hub: String) -> AppServerConnection? {
        let ready = connections(hub: hub).filter(\.isReady)
        guard !ready.isEmpty else { return nil }
        return ready[(turn.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max) % ready.count]
    }

    /// Adds a connection, under its hub's name without regard to case.
    func add(_ server: AppServerConnection) {
        servers.withLock { $0[server.hub.lowercased(), default: []].append(server) }
    }

    /// Removes a connection; false when it was not there.
    @discardableResult
    func remove(_ server: AppServerConnection) -> Bool {
        servers.withLock { servers in
            let key = server.hub.lowercased()
            guard let index = servers[key]?.firstIndex(where: { $0 === server }) else { return false }
            servers[key]?.remove(at: index)
            if servers[key]?.isEmpty == true { servers[key] = nil }
            return true
        }
    }

    /// The connections of `hub`, in the order they connected.
    func connections(hub: String) -> [AppServerConnection] {
        servers.withLock { $0[hub.lowercased()] ?? [] }
    }

    /// Every connection, by hub.
    func all() -> [AppServerConnection] {
        servers.withLock { $0.values.flatMap { $0 } }
    }
}
