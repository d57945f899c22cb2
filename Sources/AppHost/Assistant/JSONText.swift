import Dashboard
import Foundation

/// JSON as the tools return it: indented, keys sorted, so an assistant (and a test) reads it
/// the same every time.
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
        guard let array = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
            throw ToolFailure("apphost answered something that is not a JSON array: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        return array
    }

    /// A JSON object from the dashboard.
    static func object(_ data: Data) throws(ToolFailure) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ToolFailure("apphost answered something that is not a JSON object: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        return object
    }
}

/// Where a `since` argument starts a window of log lines.
enum LogWindow {
    /// `text` as an instant: ISO 8601, or a duration ago (`90s`, `5m`, `2h`).
    static func start(_ text: String, now: Date) throws(ToolFailure) -> Date {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        if let unit = text.last, let scale = units[unit], let amount = Double(text.dropLast()), amount >= 0 {
            return now.addingTimeInterval(-amount * scale)
        }
        throw ToolFailure("'since' must be an ISO 8601 time (2026-12-02T10:00:00Z) or a duration ago (90s, 5m, 2h), not '\(text)'")
    }
}
