/// A value carried by hub messages: what JSON and MessagePack can both express.
///
/// The emulator receives arguments in one protocol (a REST body in JSON, a client invocation in
/// either) and delivers them in the other, so values are kept in this neutral form.
public indirect enum HubValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case array([HubValue])
    case map([HubPair])
    /// A MessagePack extension (type, data), passed through untouched.
    case `extension`(Int8, [UInt8])

    /// The text, if this is a string.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements, if this is an array.
    public var array: [HubValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The value for a string key, if this is a map that has it.
    public subscript(key: String) -> HubValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == .string(key) }?.value
    }

    /// An integer value, from any numeric representation that holds one exactly.
    public var integer: Int64? {
        switch self {
        case .int(let value): return value
        case .uint(let value): return value <= UInt64(Int64.max) ? Int64(value) : nil
        case .double(let value): return value.rounded() == value && abs(value) < 9.0e18 ? Int64(value) : nil
        default: return nil
        }
    }
}

/// A key and value of a map, in the order they were written.
public struct HubPair: Sendable, Equatable {
    public var key: HubValue
    public var value: HubValue

    public init(_ key: HubValue, _ value: HubValue) {
        self.key = key
        self.value = value
    }
}

/// A malformed message or frame, with a short reason for the peer.
public struct ProtocolError: Error, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
