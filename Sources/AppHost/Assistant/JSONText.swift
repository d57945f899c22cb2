import Dashboard
import Foundation

/// JSON as the tools (and `apphost ps --format json`) print it: indented, keys sorted, so an
/// assistant, a script or a test reads it the same every time.
enum JSONText {
    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = DashboardJSON.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func serialize(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
               as: UTF8.self)
    }

    /// A JSON array from the dashboard.
    static func array(_ data: Data) throws(ToolFailure) -> [Any] {
        try decode(data, as: [Any].self, "array")
    }

    /// A JSON object from the dashboard.
    static func object(_ data: Data) throws(ToolFailure) -> [String: Any] {
        try decode(data, as: [String: Any].self, "object")
    }

    private static func decode<Shape>(_ data: Data, as shape: Shape.Type, _ name: String) throws(ToolFailure) -> Shape {
        guard let value = (try? JSONSerialization.jsonObject(with: data)) as? Shape else {
            throw ToolFailure("apphost answered something that is not a JSON \(name): \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        return value
    }
}
