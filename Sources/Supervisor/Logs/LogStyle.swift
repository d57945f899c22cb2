#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the multiplexed log looks: a `name | ` prefix per line (`name ! ` for stderr), padded to
/// the longest name, in a colour of its own per process, optionally after the time of day.
public struct LogStyle: Sendable {
    /// Whether prefixes are coloured (ANSI escapes).
    public var color: Bool
    /// Whether each line starts with the local time (`HH:MM:SS.mmm`).
    public var timestamps: Bool
    /// The width names are padded to.
    public var nameWidth: Int

    /// A style; see ``colorWanted(noColorFlag:descriptor:environment:)`` for the usual colour choice.
    public init(color: Bool, timestamps: Bool, nameWidth: Int = 8) {
        self.color = color
        self.timestamps = timestamps
        self.nameWidth = nameWidth
    }

    /// Colour unless the user said no (`--no-color`, `NO_COLOR` set and not empty — see
    /// https://no-color.org), the output is not a terminal, or the terminal is `dumb`.
    public static func colorWanted(noColorFlag: Bool, descriptor: Int32 = STDOUT_FILENO, environment: [String: String]) -> Bool {
        if noColorFlag { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(descriptor) == 1
    }

    /// Colours told apart on dark and light terminals; cyan, yellow, green, magenta, blue, and bright ones.
    static let palette = ["36", "33", "32", "35", "34", "96", "93", "92", "95", "94"]

    /// The prefix of a process's lines: its colour is the `index`-th of the palette.
    public func prefix(name: String, index: Int, isError: Bool) -> [UInt8] {
        let padded = name.padding(toLength: max(nameWidth, name.count), withPad: " ", startingAt: 0)
        let separator = isError ? "!" : "|"
        guard color else { return Array("\(padded) \(separator) ".utf8) }
        let code = Self.palette[index % Self.palette.count]
        let separatorColor = isError ? "\u{1B}[1;31m" : "\u{1B}[\(code)m"
        return Array("\u{1B}[\(code)m\(padded)\u{1B}[0m \(separatorColor)\(separator)\u{1B}[0m ".utf8)
    }

    /// The prefix of the supervisor's own lines.
    public func systemPrefix() -> [UInt8] {
        let padded = "apphost".padding(toLength: max(nameWidth, 7), withPad: " ", startingAt: 0)
        return Array((color ? "\u{1B}[1m\(padded)\u{1B}[0m | " : "\(padded) | ").utf8)
    }

    /// The local time of day, `HH:MM:SS.mmm `.
    static func timeOfDay() -> [UInt8] {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return timeOfDay(at: now)
    }

    /// The local time of day of `time` (since 1970), `HH:MM:SS.mmm `, as lines are stamped.
    public static func timeOfDay(at time: timespec) -> [UInt8] {
        let now = time
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return Array("\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis) ".utf8)
    }
}
