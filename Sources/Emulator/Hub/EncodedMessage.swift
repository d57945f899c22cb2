/// A message encoded once per protocol, so a broadcast to thousands of clients encodes twice.
struct EncodedMessage: Sendable {
    let json: [UInt8]
    let messagePack: [UInt8]

    init(_ message: HubMessage) {
        json = HubProtocolKind.json.encodeFrame(message)
        messagePack = HubProtocolKind.messagepack.encodeFrame(message)
    }

    func frame(for kind: HubProtocolKind) -> [UInt8] {
        kind == .json ? json : messagePack
    }
}
