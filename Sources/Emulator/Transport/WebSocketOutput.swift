import NIOCore
import NIOWebSocket
import Synchronization

/// Writes one WebSocket client's frames straight to its channel, on the channel's event loop.
///
/// No task waits per connection: a producer on any thread hands frames to the event loop
/// (a broadcast does so once per event loop for all of that loop's clients, see
/// `HubService.send`), and the frames go out already WebSocket-encoded. The channel's write
/// buffer is the outgoing queue; its high-water mark is the connection's byte limit, so a
/// client that stops reading is noticed the moment it falls that far behind.
final class WebSocketOutput: @unchecked Sendable {
    /// Where the connection's writes happen; every method marked "on the event loop" runs here.
    let eventLoop: any EventLoop

    // `@unchecked Sendable`: `state` and `awaitsFlush` are touched only on `eventLoop`;
    // `finished` is atomic.

    private enum State {
        /// The upgrade is still being answered; `closeRequested` if the service closed the
        /// connection before the WebSocket existed.
        case upgrading(closeRequested: Bool)
        /// Frames are written through the context of `EncodedFrameWriter`.
        case open(ChannelHandlerContext)
        /// The Close frame was sent; the channel closes when the client answers or time is up.
        case closing(ChannelHandlerContext)
        /// The channel is closed.
        case closed
    }

    private var state = State.upgrading(closeRequested: false)
    /// Whether a `FlushCoalescer` holds this output for its next flush (event loop only).
    var awaitsFlush = false
    /// Whether the client sent a WebSocket Close (event loop only): it left on purpose, so a
    /// stateful-reconnect session ends instead of waiting for it.
    private(set) var closedByClient = false
    /// Set once the service finished the connection: later frames are refused on any thread.
    private let finished = Atomic<Bool>(false)
    /// How long a client has to answer a Close frame before the socket is closed anyway.
    static let closeTimeout: TimeAmount = .seconds(2)

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Whether the service finished the connection (no more frames are accepted).
    var isFinished: Bool { finished.load(ordering: .relaxed) }

    // MARK: Any thread

    /// Ends the connection after what was handed over: the hub Close message (if any, already
    /// in its WebSocket frame), then a WebSocket Close frame. Only the first call counts.
    func finish(hubClose: ByteBuffer?) {
        guard !finished.exchange(true, ordering: .relaxed) else { return }
        eventLoop.execute { self.beginClose(hubClose: hubClose, code: .normalClosure) }
    }

    // MARK: On the event loop

    /// The handler is in the pipeline: writes can start.
    func attach(_ context: ChannelHandlerContext) {
        guard case .upgrading(let closeRequested) = state else { return }
        state = .open(context)
        if closeRequested { beginClose(hubClose: nil, code: .normalClosure) }
    }

    /// Writes an encoded WebSocket frame without flushing; false when the client has fallen
    /// further behind than the channel's high-water mark allows.
    func write(_ frame: ByteBuffer) -> Bool {
        guard case .open(let context) = state else { return true }
        context.write(NIOAny(frame), promise: nil)
        return context.channel.isWritable
    }

    /// Sends what was written.
    func flush() {
        switch state {
        case .open(let context), .closing(let context): context.flush()
        case .upgrading, .closed: break
        }
    }

    /// Answers a control frame (a Pong) even while closing.
    func writeControl(_ frame: ByteBuffer) {
        switch state {
        case .open(let context), .closing(let context): context.writeAndFlush(NIOAny(frame), promise: nil)
        case .upgrading, .closed: break
        }
    }

    /// Sends the hub Close message and a WebSocket Close frame, then waits a short while for the
    /// client's Close before closing the socket.
    func beginClose(hubClose: ByteBuffer?, code: WebSocketErrorCode) {
        finished.store(true, ordering: .relaxed)
        switch state {
        case .upgrading:
            state = .upgrading(closeRequested: true)
        case .open(let context):
            state = .closing(context)
            if let hubClose { context.write(NIOAny(hubClose), promise: nil) }
            context.writeAndFlush(NIOAny(WebSocketFrameBytes.close(code)), promise: nil)
            let channel = context.channel
            channel.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
        case .closing, .closed:
            break
        }
    }

    /// The client sent a Close frame: answer it (unless ours went first) and close.
    func clientClosed(code: WebSocketErrorCode) {
        closedByClient = true
        switch state {
        case .open(let context):
            finished.store(true, ordering: .relaxed)
            state = .closing(context)
            context.writeAndFlush(NIOAny(WebSocketFrameBytes.close(code)), promise: nil)
            context.close(promise: nil)
        case .closing(let context):
            context.close(promise: nil)
        case .upgrading, .closed:
            break
        }
    }

    /// The channel is closed: nothing more is written.
    func detach() {
        finished.store(true, ordering: .relaxed)
        state = .closed
    }
}

/// The first handler of an upgraded pipeline: `WebSocketOutput` writes through its context,
/// so encoded frames go straight to the socket, past NIO's frame encoder.
final class EncodedFrameWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let output: WebSocketOutput

    init(output: WebSocketOutput) {
        self.output = output
    }

    func handlerAdded(context: ChannelHandlerContext) {
        output.attach(context)
    }
}
