import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A minimal SignalR client over a SwiftNIO WebSocket: JSON protocol, counts the invocations it
/// receives, answers nothing but pings. One client is cheap, so tens of thousands fit in the
/// load generator.
enum LoadClient {
    /// Where a client connects and from which local address.
    struct Target {
        var host: String
        var port: Int
        var path: String
        var sourceAddress: String
    }

    /// Connects, completes the hub handshake, and returns the channel.
    static func connect(_ target: Target, group: EventLoopGroup, stats: Stats, samples: Bool) async throws -> Channel {
        let handshake = group.next().makePromise(of: Void.self)
        let upgrader = NIOWebSocketClientUpgrader(
            requestKey: Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
            maxFrameSize: 1 << 20,
            upgradePipelineHandler: { channel, _ in
                channel.pipeline.addHandler(HubClientHandler(stats: stats, samples: samples, handshake: handshake))
            })
        let channel = try await ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(to: try SocketAddress(ipAddress: target.sourceAddress, port: 0))
            .channelInitializer { channel in
                let request = UpgradeRequestHandler(host: "\(target.host):\(target.port)", path: target.path)
                let configuration: NIOHTTPClientUpgradeSendableConfiguration = (
                    upgraders: [upgrader],
                    completionHandler: { context in context.channel.pipeline.removeHandler(request, promise: nil) })
                return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: configuration).flatMap {
                    channel.pipeline.addHandler(request)
                }
            }
            .connect(host: target.host, port: target.port).get()
        try await handshake.futureResult.get()
        return channel
    }
}

/// Sends the upgrade request once the TCP connection is up.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    let host: String
    let path: String

    init(host: String, path: String) {
        self.host = host
        self.path = path
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Length", value: "0")
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response reaching this handler means the upgrade was refused.
        context.close(promise: nil)
    }
}

/// The SignalR side of a load client.
private final class HubClientHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let stats: Stats
    let samples: Bool
    let handshake: EventLoopPromise<Void>
    var handshakeDone = false
    var partial: [UInt8] = []

    init(stats: Stats, samples: Bool, handshake: EventLoopPromise<Void>) {
        self.stats = stats
        self.samples = samples
        self.handshake = handshake
    }

    func handlerAdded(context: ChannelHandlerContext) {
        send(#"{"protocol":"json","version":1}"# + "\u{1E}", context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !handshakeDone { handshake.fail(ChannelError.ioOnClosedChannel) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            var pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            pong.maskKey = WebSocketMaskingKey.random()
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            return
        case .connectionClose:
            context.close(promise: nil)
            return
        case .text, .binary, .continuation:
            break
        default:
            return
        }
        // Server frames are not masked. Records are found with a byte search over the frame
        // in place; only a record split across frames is copied, so the load generator costs
        // little beside the server it measures.
        let data = frame.unmaskedData
        data.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var start = 0
            while let found = memchr(base + start, 0x1E, bytes.count - start) {
                let end = base.distance(to: UnsafeRawPointer(found))
                if partial.isEmpty {
                    record(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), context: context)
                } else {
                    partial += bytes[start..<end]
                    partial.withUnsafeBytes { record($0, context: context) }
                    partial.removeAll(keepingCapacity: true)
                }
                start = end + 1
            }
            partial += bytes[start...]
        }
    }

    private func record(_ bytes: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        if !handshakeDone {
            handshakeDone = true
            handshake.succeed()
            return
        }
        // Invocations start {"type":1 in both servers; pings ({"type":6}) answer with a ping so
        // the server never times the client out.
        if bytes.starts(with: Self.pingPrefix) {
            send(#"{"type":6}"# + "\u{1E}", context: context)
            return
        }
        guard bytes.starts(with: Self.invocationPrefix) else { return }
        stats.deliveries.add(1, ordering: .relaxed)
        guard samples, let sequence = Self.sequence(in: bytes) else { return }
        stats.received(sequence)
        _ = stats.highestSeen.max(sequence, ordering: .relaxed)
    }

    private static let pingPrefix = Array(#"{"type":6"#.utf8)
    private static let invocationPrefix = Array(#"{"type":1"#.utf8)
    private static let argumentsMarker = Array(#""arguments":["#.utf8)

    /// The first argument, an integer: `"arguments":[123,`.
    static func sequence(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let range = bytes.firstRange(of: argumentsMarker) else { return nil }
        var value = 0, index = range.upperBound, digits = 0
        while index < bytes.endIndex, let digit = Int(exactly: bytes[index]).map({ $0 - 48 }), (0...9).contains(digit) {
            value = value * 10 + digit
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private func send(_ text: String, context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: text)
        var frame = WebSocketFrame(fin: true, opcode: .text, data: buffer)
        frame.maskKey = WebSocketMaskingKey.random()
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}
