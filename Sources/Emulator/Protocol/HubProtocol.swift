/// The two hub protocols a client can choose in its handshake.
public enum HubProtocolKind: String, Sendable, CaseIterable {
    /// Text: JSON records ending with 0x1E.
    case json
    /// Binary: MessagePack arrays, each prefixed by its length as a variable-length integer.
    case messagepack

    /// The versions of each protocol the emulator speaks: 1, and 2 (Ack and Sequence, for
    /// stateful reconnect).
    public var versions: ClosedRange<Int> { 1...2 }

    /// Whether messages are binary (WebSocket binary frames; not possible over Server-Sent Events).
    public var isBinary: Bool { self == .messagepack }

    /// The content type of a message body sent upstream.
    public var contentType: String {
        switch self {
        case .json: "application/json"
        case .messagepack: "application/x-msgpack"
        }
    }

    /// Encodes a message without framing (the body of an upstream request).
    public func encodeBody(_ message: HubMessage) -> [UInt8] {
        switch self {
        case .json: JSONHubProtocol.encode(message)
        case .messagepack: MessagePackHubProtocol.encode(message)
        }
    }

    /// Encodes a message with its framing, ready for a transport.
    public func encodeFrame(_ message: HubMessage) -> [UInt8] {
        switch self {
        case .json: JSONHubProtocol.encode(message) + [JSONHubProtocol.recordSeparator]
        case .messagepack: MessagePackHubProtocol.frame(MessagePackHubProtocol.encode(message))
        }
    }

    /// Parses one unframed message.
    public func decodeBody(_ bytes: [UInt8]) throws(ProtocolError) -> HubMessage {
        switch self {
        case .json: try JSONHubProtocol.decode(bytes)
        case .messagepack: try MessagePackHubProtocol.decode(bytes)
        }
    }
}

/// Splits a byte stream into protocol records, however the transport cut it: a record may span
/// reads, and one read may hold several records.
public struct HubFrameDecoder: Sendable {
    /// The protocol whose framing applies; `nil` while the JSON handshake is awaited.
    public var kind: HubProtocolKind?
    /// The largest record accepted.
    public let maximumMessageSize: Int
    private var buffer: [UInt8] = []
    private var consumed = 0

    /// A decoder that starts with the handshake (always a JSON record).
    public init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if consumed > 0, consumed >= buffer.count / 2 {
            buffer.removeFirst(consumed)
            consumed = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete record, or nil when more bytes are needed.
    public mutating func nextRecord() throws(ProtocolError) -> [UInt8]? {
        let available = buffer.count - consumed
        guard available > 0 else { return nil }
        if kind == .messagepack {
            guard let (length, prefix) = try MessagePackHubProtocol.readLength(buffer, from: consumed) else {
                return nil
            }
            guard length <= maximumMessageSize else { throw ProtocolError("message of \(length) bytes exceeds the limit of \(maximumMessageSize)") }
            guard available >= prefix + length else { return nil }
            let start = consumed + prefix
            consumed = start + length
            return Array(buffer[start..<consumed])
        }
        guard let end = buffer[consumed...].firstIndex(of: JSONHubProtocol.recordSeparator) else {
            if available > maximumMessageSize { throw ProtocolError("message exceeds the limit of \(maximumMessageSize) bytes") }
            return nil
        }
        guard end - consumed <= maximumMessageSize else { throw ProtocolError("message exceeds the limit of \(maximumMessageSize) bytes") }
        let record = Array(buffer[consumed..<end])
        consumed = end + 1
        return record
    }

    /// Bytes received but not yet returned as records.
    public var pendingByteCount: Int { buffer.count - consumed }

    /// Takes the bytes received but not yet returned as records (a client routed to an app
    /// server: what follows its handshake goes on as it came).
    public mutating func takePending() -> [UInt8] {
        defer {
            buffer.removeAll()
            consumed = 0
        }
        return Array(buffer[consumed...])
    }
}
