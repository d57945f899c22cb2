import NIOCore

/// A message encoded once per protocol into shared buffers, so a broadcast to thousands of
/// clients encodes twice and copies nothing per client: the hub frames for the queued
/// transports, and the same frames inside a WebSocket frame for WebSocket clients.
struct EncodedMessage: Sendable {
    let json: ByteBuffer
    let messagePack: ByteBuffer
    let webSocketJSON: ByteBuffer
    let webSocketMessagePack: ByteBuffer
    /// Whether a frame was given for each protocol (an app server may send only some).
    private let hasJSON: Bool
    private let hasMessagePack: Bool

    init(_ message: HubMessage) {
        self.init(json: HubProtocolKind.json.encodeFrame(message), messagePack: HubProtocolKind.messagepack.encodeFrame(message))
    }

    /// Frames an app server encoded itself, keyed by protocol name; nil for a protocol it left out.
    init(json: [UInt8]?, messagePack: [UInt8]?) {
        self.json = ByteBuffer(bytes: json ?? [])
        self.messagePack = ByteBuffer(bytes: messagePack ?? [])
        webSocketJSON = WebSocketFrameBytes.message(self.json, binary: false)
        webSocketMessagePack = WebSocketFrameBytes.message(self.messagePack, binary: true)
        hasJSON = json != nil
        hasMessagePack = messagePack != nil
    }

    /// Whether there is a frame for clients of `kind`.
    func has(_ kind: HubProtocolKind) -> Bool { kind == .json ? hasJSON : hasMessagePack }

    func frame(for kind: HubProtocolKind) -> ByteBuffer {
        kind == .json ? json : messagePack
    }

    func webSocketFrame(for kind: HubProtocolKind) -> ByteBuffer {
        kind == .json ? webSocketJSON : webSocketMessagePack
    }
}
