import NIOCore

/// A message encoded once per protocol into shared buffers, so a broadcast to thousands of
/// clients encodes twice and copies nothing per client: the hub frames for the queued
/// transports, and the same frames inside a WebSocket frame for WebSocket clients.
struct EncodedMessage: Sendable {
    let json: ByteBuffer
    let messagePack: ByteBuffer
    let webSocketJSON: ByteBuffer
    let webSocketMessagePack: ByteBuffer

    init(_ message: HubMessage) {
        json = ByteBuffer(bytes: HubProtocolKind.json.encodeFrame(message))
        messagePack = ByteBuffer(bytes: HubProtocolKind.messagepack.encodeFrame(message))
        webSocketJSON = WebSocketFrameBytes.message(json, binary: false)
        webSocketMessagePack = WebSocketFrameBytes.message(messagePack, binary: true)
    }

    func frame(for kind: HubProtocolKind) -> ByteBuffer {
        kind == .json ? json : messagePack
    }

    func webSocketFrame(for kind: HubProtocolKind) -> ByteBuffer {
        kind == .json ? webSocketJSON : webSocketMessagePack
    }
}
