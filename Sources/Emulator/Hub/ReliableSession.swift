import NIOCore
import Synchronization

/// Stateful reconnect for one WebSocket client (ASP.NET Core 8's `withStatefulReconnect()`,
/// hub protocol version 2), from the service's side.
///
/// Every sequenced message sent (invocations, stream items, completions, cancellations) is kept,
/// numbered from 1, until the client acknowledges it with an Ack. When the socket drops without a
/// WebSocket Close, the connection stays (the client keeps its id, groups and user) for the
/// reconnect window; messages sent meanwhile are kept too, within the same bound. A client that
/// comes back with the same connection token on a new WebSocket gets a Sequence message naming
/// the first message it may lack, then every kept message again; it does the same the other way,
/// and what either side already had is dropped as a duplicate by its sequence id.
///
/// The append to the buffer and the hand-over to the socket's event loop happen under one lock,
/// so the order in the buffer is the order on the wire, which is what both sides number by.
final class ReliableSession: Sendable {
    /// Where the session's frames go.
    enum Link {
        /// A socket is up.
        case attached(WebSocketOutput)
        /// The socket dropped at this time; the client may come back until the window ends.
        case detached(since: ContinuousClock.Instant)
        /// The connection is over.
        case ended
    }

    /// What a send did.
    enum SendOutcome: Equatable {
        /// Written to the socket, or kept for a reconnect.
        case accepted
        /// The connection is over: nothing is accepted.
        case ended
        /// More than the bound waits for an acknowledgement: the connection must end.
        case overflowed
    }

    /// What a received message means for the session.
    enum Receipt: Equatable {
        /// Handle it.
        case process
        /// Drop it: a duplicate, or a message before the client's Sequence after a reconnect.
        case skip
        /// The client broke the protocol (a Sequence beyond what it sent).
        case invalid(String)
    }

    private struct State {
        var link: Link
        /// Whether the handshake asked for version 2; before it, and with version 1, the session
        /// only passes frames through.
        var enabled = false
        var kept: [(id: Int64, frame: ByteBuffer)] = []
        var keptHead = 0
        var keptBytes = 0
        var nextSendID: Int64 = 1
        var nextReceiveID: Int64 = 1
        var latestReceived: Int64 = 0
        var lastAckSent: Int64 = 0
        var awaitingSequence = false
    }

    private let state: Mutex<State>
    /// The connection token the client reconnects with.
    let token: String
    /// The most bytes of unacknowledged messages kept.
    let limit: Int

    init(token: String, limit: Int, socket: WebSocketOutput) {
        self.token = token
        self.limit = limit
        self.state = Mutex(State(link: .attached(socket)))
    }

    /// The handshake asked for protocol version 2: sequencing starts.
    func enable() {
        state.withLock { $0.enabled = true }
    }

    /// Whether the client uses stateful reconnect.
    var isEnabled: Bool { state.withLock { $0.enabled } }

    /// The socket frames go to now, if one is up.
    var socket: WebSocketOutput? {
        state.withLock { state in
            if case .attached(let output) = state.link { return output }
            return nil
        }
    }

    /// Whether the connection is over.
    var isEnded: Bool {
        state.withLock { state in
            if case .ended = state.link { return true }
            return false
        }
    }

    /// Since when the socket has been down, if it is.
    var detachedSince: ContinuousClock.Instant? {
        state.withLock { state in
            if case .detached(let since) = state.link { return since }
            return nil
        }
    }

    /// Sends a hub frame; a sequenced one is kept until acknowledged. `wrap` puts it in its
    /// WebSocket frame.
    func send(_ frame: ByteBuffer, sequenced: Bool, wrap: @escaping @Sendable (ByteBuffer) -> ByteBuffer) -> SendOutcome {
        state.withLock { state in
            if case .ended = state.link { return .ended }
            if state.enabled && sequenced {
                state.kept.append((state.nextSendID, frame))
                state.nextSendID += 1
                state.keptBytes += frame.readableBytes
                if state.keptBytes > limit { return .overflowed }
            }
            if case .attached(let output) = state.link {
                let framed = wrap(frame)
                output.eventLoop.execute {
                    _ = output.write(framed)
                    output.flush()
                }
            }
            return .accepted
        }
    }

    /// The client acknowledged every sequenced message up to `id`: they are forgotten.
    func acknowledge(_ id: Int64) {
        state.withLock { state in
            while state.keptHead < state.kept.count, state.kept[state.keptHead].id <= id {
                state.keptBytes -= state.kept[state.keptHead].frame.readableBytes
                state.keptHead += 1
            }
            if state.keptHead > 64, state.keptHead * 2 > state.kept.count {
                state.kept.removeFirst(state.keptHead)
                state.keptHead = 0
            }
        }
    }

    /// Whether a message from the client is new: sequenced messages are numbered as they arrive,
    /// and a Sequence (the first thing a client sends after a reconnect) rewinds the numbering
    /// to what it sends again. Until that Sequence, everything else is skipped.
    func receive(_ message: HubMessage) -> Receipt {
        state.withLock { state in
            guard state.enabled else { return .process }
            if case .sequence(let id) = message {
                state.awaitingSequence = false
                guard id <= state.nextReceiveID else {
                    return .invalid("Sequence ID \(id) is greater than the number of messages received (\(state.nextReceiveID - 1)).")
                }
                state.nextReceiveID = id
                return .skip
            }
            if state.awaitingSequence { return .skip }
            guard message.isSequenced else { return .process }
            let id = state.nextReceiveID
            state.nextReceiveID += 1
            guard id > state.latestReceived else { return .skip }
            state.latestReceived = id
            return .process
        }
    }

    /// The Ack to send now, if the client's messages moved on since the last one.
    func pendingAck() -> HubMessage? {
        state.withLock { state in
            guard state.enabled, case .attached = state.link, state.latestReceived > state.lastAckSent else { return nil }
            state.lastAckSent = state.latestReceived
            return .ack(sequenceID: state.latestReceived)
        }
    }

    /// A socket of this session closed. True when the connection goes on: the socket dropped
    /// without a WebSocket Close from the client (it may reconnect), or it is one a reconnect
    /// already replaced. False when the connection is over.
    func socketClosed(_ output: WebSocketOutput, byClient: Bool, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard state.enabled, case .attached(let current) = state.link else {
                if case .detached = state.link { return true }
                return false
            }
            guard current === output else { return true }
            guard !byClient else { return false }
            state.link = .detached(since: now)
            return true
        }
    }

    /// A reconnected socket: it gets a Sequence message naming the first kept message, then every
    /// kept message; the client's messages are skipped until its own Sequence. A socket still
    /// attached is replaced (closed without ending the connection). Runs on `output`'s event loop,
    /// after its handlers are in place.
    func attach(_ output: WebSocketOutput, kind: HubProtocolKind, wrap: (ByteBuffer) -> ByteBuffer) -> Bool {
        let handOver: (replaced: WebSocketOutput?, frames: [ByteBuffer])? = state.withLock { state in
            var replaced: WebSocketOutput?
            switch state.link {
            case .ended: return nil
            case .attached(let previous): replaced = previous
            case .detached: break
            }
            state.link = .attached(output)
            state.awaitingSequence = true
            state.lastAckSent = 0
            let kept = state.kept[state.keptHead...]
            let first = kept.first?.id ?? state.nextSendID
            let sequence = ByteBuffer(bytes: kind.encodeFrame(.sequence(sequenceID: first)))
            return (replaced, [sequence] + kept.map(\.frame))
        }
        guard let handOver else { return false }
        handOver.replaced?.finish(hubClose: nil)
        for frame in handOver.frames { _ = output.write(wrap(frame)) }
        output.flush()
        return true
    }

    /// The connection is over: nothing more is sent or kept. Returns the socket that was up.
    @discardableResult
    func end() -> WebSocketOutput? {
        state.withLock { state in
            defer {
                state.link = .ended
                state.kept = []
                state.keptHead = 0
                state.keptBytes = 0
            }
            if case .attached(let output) = state.link { return output }
            return nil
        }
    }

    /// Bytes kept for the client now.
    var keptBytes: Int { state.withLock { $0.keptBytes } }
}
