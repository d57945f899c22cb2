import NIOCore
import NIOWebSocket

/// The end of an app server connection's pipeline: joins WebSocket fragments, cuts the
/// service-protocol records out of binary messages and hands each decoded message to the hub
/// service, on the event loop, in order. A message that does not decode ends this connection
/// with a ServiceError; other server connections and their clients are not touched.
final class AppServerSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame

    private let server: AppServerConnection
    private let service: HubService
    private let maximumMessageSize: Int
    private var decoder: HubFrameDecoder
    private var partialMessage: ByteBuffer?
    private var keepAlive: RepeatedTask?

    /// How often the service pings a quiet server connection (the SDK drops one it has not
    /// heard from for longer).
    static let keepAliveInterval: TimeAmount = .seconds(5)

    init(server: AppServerConnection, service: HubService) {
        self.server = server
        self.service = service
        self.maximumMessageSize = service.configuration.maximumMessageSize
        var decoder = HubFrameDecoder(maximumMessageSize: service.configuration.maximumMessageSize)
        decoder.kind = .messagepack
        self.decoder = decoder
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let server = server
        keepAlive = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.keepAliveInterval, delay: Self.keepAliveInterval) { _ in
            if server.isReady { server.send(.ping([])) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary:
            guard partialMessage == nil else { return server.fail("A new WebSocket message began before the last one ended.") }
            if frame.fin { receive(frame.unmaskedData) } else { partialMessage = frame.unmaskedData }
        case .continuation:
            guard var message = partialMessage else { return server.fail("A continuation frame came without a message.") }
            partialMessage = nil
            var data = frame.unmaskedData
            guard message.readableBytes + data.readableBytes <= maximumMessageSize else {
                return server.fail("The message is larger than \(maximumMessageSize) bytes.")
            }
            message.writeBuffer(&data)
            if frame.fin { receive(message) } else { partialMessage = message }
        case .text:
            server.fail("The service protocol is binary (MessagePack); a text frame came.")
        case .ping:
            server.output.writeControl(WebSocketFrameBytes.frame(.pong, payload: frame.unmaskedData))
        case .connectionClose:
            // The server leaves: out of the rotation before the Close is even answered.
            service.appServerClosed(server)
            var data = frame.unmaskedData
            server.output.clientClosed(code: data.readWebSocketErrorCode() ?? .normalClosure)
        case .pong:
            break
        default:
            server.fail("Unknown WebSocket opcode.")
        }
    }

    private func receive(_ bytes: ByteBuffer) {
        guard server.currentPhase != .closed else { return }
        decoder.append(bytes.readableBytesView)
        do {
            while let record = try decoder.nextRecord() {
                service.receive(try ServiceMessage(record: record), from: server)
                if server.currentPhase == .closed { return }
            }
        } catch {
            server.fail("Invalid message: \(error.reason)")
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOWebSocketError {
            server.fail("Invalid WebSocket frame: \(error)")
        } else {
            context.close(promise: nil)
        }
    }

    /// A server that shuts its side of the socket (TCP FIN) without a WebSocket Close sends
    /// nothing more: it leaves the rotation now, not when the socket times out, so no client is
    /// routed to it in between.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            server.move(to: .closed)
            service.appServerClosed(server)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepAlive?.cancel()
        server.output.detach()
        service.appServerClosed(server)
        context.fireChannelInactive()
    }
}
