import NIOCore

/// A message encoded once per protocol into shared buffers, so a broadcast to thousands of
/// clients encodes twice and copies nothing per client.
struct EncodedMessage: Sendable {
    let json: ByteBuffer
    let messagePack: ByteBuffer

    init(_ message: HubMessage) {
        json = ByteBuffer(bytes: HubProtocolKind.json.encodeFrame(message))
        messagePack = ByteBuffer(bytes: HubProtocolKind.messagepack.encodeFrame(message))
    }

    func frame(for kind: HubProtocolKind) -> ByteBuffer {
        kind == .json ? json : messagePack
    }
}
