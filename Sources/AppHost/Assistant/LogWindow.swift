import Foundation

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
