import NIOCore
import NIOWebSocket
import Synchronization

/// The end of an upgraded WebSocket's pipeline: answers control frames, joins fragmented
/// messages and passes complete messages to the hub session, and writes the connection's
/// frames (see `WebSocketOutput`), which are already WebSocket-encoded.
final class WebSocketSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame

    private let connection: ClientConnection
    private let output: WebSocketOutput
    private let inbox: SessionInbox
    private let maximumMessageSize: Int
    /// A message whose first fragments arrived.
    private var partialMessage: ByteBuffer?

    /// A handler for a new connection, or (`resuming`) for one that reconnects, whose
    /// handshake was done on its first socket.
    init(connection: ClientConnection, output: WebSocketOutput, service: HubService, resuming: Bool = false) {
        self.connection = connection
        self.output = output
        self.inbox = SessionInbox(connection: connection, service: service, resuming: resuming)
        self.maximumMessageSize = service.configuration.maximumMessageSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        connection.touchReceived()
        switch frame.opcode {
        case .text, .binary:
            guard partialMessage == nil else { return fail(context, .protocolError, "a new message began before the last one ended") }
            if frame.fin {
                inbox.append(frame.unmaskedData, context: context)
            } else {
                partialMessage = frame.unmaskedData
            }
        case .continuation:
            guard var message = partialMessage else { return fail(context, .protocolError, "a continuation frame without a message") }
            partialMessage = nil
            var data = frame.unmaskedData
            guard message.readableBytes + data.readableBytes <= maximumMessageSize else {
                return fail(context, .messageTooLarge, "the message is larger than \(maximumMessageSize) bytes")
            }
            message.writeBuffer(&data)
            if frame.fin { inbox.append(message, context: context) } else { partialMessage = message }
        case .ping:
            output.writeControl(WebSocketFrameBytes.frame(.pong, payload: frame.unmaskedData))
        case .connectionClose:
            var data = frame.unmaskedData
            output.clientClosed(code: data.readWebSocketErrorCode() ?? .normalClosure)
        case .pong:
            break
        default:
            fail(context, .protocolError, "unknown opcode")
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOWebSocketError.invalidFrameLength:
            fail(context, .messageTooLarge, "a frame is larger than \(maximumMessageSize) bytes")
        case let error as NIOWebSocketError:
            fail(context, .protocolError, "invalid WebSocket frame: \(error)")
        default:
            // The socket broke (a reset, say): nothing more can be sent.
            connection.noteTransportError("\(error)")
            context.close(promise: nil)
        }
    }

    /// A client that shuts its side of the socket (TCP FIN) without a WebSocket Close will send
    /// nothing more: the socket is closed now rather than when the silence times out, so its
    /// end is noticed (and a stateful-reconnect client can come back) at once.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            connection.noteTransportError("the client shut its side of the socket without a WebSocket Close")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        output.detach()
        inbox.stop()
        context.fireChannelInactive()
    }

    /// Ends the connection after a WebSocket protocol error.
    private func fail(_ context: ChannelHandlerContext, _ code: WebSocketErrorCode, _ reason: String) {
        inbox.stop()
        connection.noteTransportError(reason)
        output.beginClose(hubClose: nil, code: code)
    }
}

/// Complete messages from one WebSocket waiting for the hub session, and the task that
/// feeds them to it.
///
/// The session's work may wait (an upstream call), so it runs in a task; but a task per
/// connection would cost memory for every idle client. The task is started when a message
/// arrives and ends when the inbox is empty, so messages are handled one after another, in
/// order, and an idle connection holds none. While more than `readLimit` bytes wait, the
/// channel stops reading, so a client cannot queue unbounded work.
final class SessionInbox: Sendable {
    private struct State {
        var pending: [ByteBuffer] = []
        var pendingBytes = 0
        var running = false
        var stopped = false
        var decoder: HubFrameDecoder
        var readingPaused = false
    }

    private let state: Mutex<State>
    private let connection: ClientConnection
    private let service: HubService
    private let readLimit: Int

    init(connection: ClientConnection, service: HubService, resuming: Bool) {
        self.connection = connection
        self.service = service
        self.readLimit = service.configuration.maximumMessageSize
        var decoder = HubFrameDecoder(maximumMessageSize: service.configuration.maximumMessageSize)
        if resuming { decoder.kind = connection.protocolKind }
        self.state = Mutex(State(decoder: decoder))
    }

    /// Queues a message (on the event loop), starting the session task if it is not running.
    func append(_ message: ByteBuffer, context: ChannelHandlerContext) {
        let (start, pause) = state.withLock { state -> (Bool, Bool) in
            guard !state.stopped else { return (false, false) }
            state.pending.append(message)
            state.pendingBytes += message.readableBytes
            let pause = state.pendingBytes > readLimit && !state.readingPaused
            if pause { state.readingPaused = true }
            defer { state.running = true }
            return (!state.running, pause)
        }
        let channel = context.channel
        if pause { channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in } }
        guard start else { return }
        Task { await self.drain(channel: channel) }
    }

    /// No more messages are handled (the connection ended or broke the protocol).
    func stop() {
        state.withLock { state in
            state.stopped = true
            state.pending = []
            state.pendingBytes = 0
        }
    }

    private func drain(channel: any Channel) async {
        while let (bytes, decoder, resumeReading) = next() {
            var decoder = decoder
            if resumeReading { channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in } }
            let goOn = await service.receive(bytes, from: connection, decoder: &decoder)
            state.withLock { state in
                state.decoder = decoder
                if !goOn { state.stopped = true }
            }
        }
    }

    /// Takes every waiting message at once, or ends the task when none wait.
    private func next() -> ([UInt8], HubFrameDecoder, resumeReading: Bool)? {
        state.withLock { state in
            guard !state.stopped, !state.pending.isEmpty else {
                state.running = false
                return nil
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(state.pendingBytes)
            for buffer in state.pending { bytes.append(contentsOf: buffer.readableBytesView) }
            state.pending.removeAll(keepingCapacity: false)
            state.pendingBytes = 0
            let resume = state.readingPaused
            state.readingPaused = false
            return (bytes, state.decoder, resume)
        }
    }
}
