/// An attribute's or a log body's value, as OTLP's AnyValue carries it, kept typed so the API
/// returns numbers as numbers.
public indirect enum TelemetryValue: Sendable, Equatable, Codable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case array([TelemetryValue])
    case map([String: TelemetryValue])
    /// Bytes, shown as base64 as OTLP/JSON shows them.
    case bytes(String)
    case empty

    /// The value as one line of text (a log's message, a filter's haystack).
    public var text: String {
        switch self {
        case .string(let text): text
        case .bool(let value): String(value)
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .array(let values): "[" + values.map(\.text).joined(separator: ", ") + "]"
        case .map(let pairs): "{" + pairs.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.text)" }.joined(separator: ", ") + "}"
        case .bytes(let base64): base64
        case .empty: ""
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text), .bytes(let text): try container.encode(text)
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .map(let pairs): try container.encode(pairs)
        case .empty: try container.encodeNil()
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .empty }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([TelemetryValue].self) { self = .array(value) }
        else { self = .map(try container.decode([String: TelemetryValue].self)) }
    }
}
