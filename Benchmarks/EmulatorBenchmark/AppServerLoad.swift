import Emulator
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// An app server's connection (the service protocol) for the benchmark: it handshakes, then
/// writes what it is given; it reads nothing else.
enum AppServerLoad {
    /// Connects to `/server/?hub=<hub>` with `token`, completes the service-protocol handshake
    /// and returns the channel.
    static func connect(host: String, port: Int, hub: String, token: String, group: EventLoopGroup) async throws -> Channel {
        let handshake = group.next().makePromise(of: Void.self)
        let upgrader = NIOWebSocketClientUpgrader(
            requestKey: Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
            maxFrameSize: 1 << 20,
            upgradePipelineHandler: { channel, _ in
                channel.pipeline.addHandler(ServerConnectionHandler(handshake: handshake))
            })
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                let request = UpgradeRequestHandler(host: "\(host):\(port)", path: "/server/?hub=\(hub)&cid=benchmark&access_token=\(token)")
                let configuration: NIOHTTPClientUpgradeSendableConfiguration = (
                    upgraders: [upgrader],
                    completionHandler: { context in context.channel.pipeline.removeHandler(request, promise: nil) })
                return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: configuration).flatMap {
                    channel.pipeline.addHandler(request)
                }
            }
            .connect(host: host, port: port).get()
        try await handshake.futureResult.get()
        return channel
    }

    /// Writes a service message in a masked binary frame.
    static func send(_ message: ServiceMessage, on channel: Channel) async throws {
        var frame = WebSocketFrame(fin: true, opcode: .binary, data: channel.allocator.buffer(bytes: message.framed))
        frame.maskKey = WebSocketMaskingKey.random()
        try await channel.writeAndFlush(frame)
    }
}

/// Sends the HandshakeRequest and waits for the service's answer.
private final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let handshake: EventLoopPromise<Void>
    var answered = false

    init(handshake: EventLoopPromise<Void>) {
        self.handshake = handshake
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let request = ServiceMessage.handshakeRequest(version: 1, connectionType: 0, target: "", migrationLevel: 0, .none)
        var frame = WebSocketFrame(fin: true, opcode: .binary, data: context.channel.allocator.buffer(bytes: request.framed))
        frame.maskKey = WebSocketMaskingKey.random()
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.opcode == .ping {
            var pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            pong.maskKey = WebSocketMaskingKey.random()
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        } else if frame.opcode == .binary, !answered {
            answered = true
            handshake.succeed()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !answered { handshake.fail(ChannelError.ioOnClosedChannel) }
    }
}
