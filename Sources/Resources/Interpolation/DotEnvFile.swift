/// The variables of a `.env` file, parsed as docker compose and python-dotenv read them.
///
/// Lines are `NAME=value` or `export NAME=value`; `#` starts a comment (outside quotes, and in an
/// unquoted value only after whitespace). Values may be single-quoted (taken literally) or
/// double-quoted (with `\n`, `\t`, `\"` and `\\` escapes, and may span lines).
public struct DotEnvFile: Sendable {
    /// The variables (a later line wins over an earlier one).
    public private(set) var variables: [String: String] = [:]
    /// The names in the order they first appear in the file.
    private var order: [String] = []
    /// Lines that could not be read.
    public private(set) var diagnostics: [Diagnostic] = []

    /// Parses `text`; problems are located in `file`.
    public init(_ text: String, file: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        var lineIndex = 0
        while lineIndex < lines.count {
            let number = lineIndex + 1
            var line = Substring(lines[lineIndex])
            lineIndex += 1
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            line = line.dropFirst(indent)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).drop { $0 == " " } }
            let location = SourceLocation(file: file, line: number, column: indent + 1)
            guard let equals = line.firstIndex(of: "=") else {
                diagnostics.append(.error("expected NAME=value", at: location, hint: "comments start with '#'"))
                continue
            }
            let name = line[..<equals].trimmingTrailingSpaces()
            guard EnvironmentName.isValid(name) else {
                diagnostics.append(.error("'\(name)' is not a valid variable name", at: location,
                                          hint: "names are letters, digits and '_', not starting with a digit"))
                continue
            }
            var value = line[line.index(after: equals)...].drop { $0 == " " || $0 == "\t" }
            if let quote = value.first, quote == "'" || quote == "\"" {
                value = value.dropFirst()
                // A quoted value may continue on the following lines until its closing quote.
                var collected = String(value)
                while !Self.hasClosingQuote(quote, in: collected), lineIndex < lines.count {
                    collected += "\n" + lines[lineIndex]
                    lineIndex += 1
                }
                guard let parsed = Self.quoted(collected, quote: quote) else {
                    diagnostics.append(.error("the value of '\(name)' has no closing \(quote)", at: location))
                    continue
                }
                set(String(name), parsed)
            } else {
                set(String(name), Self.unquoted(value))
            }
        }
    }

    /// The variables in the order their names first appear in the file.
    public var orderedVariables: [(name: String, value: String)] {
        order.compactMap { name in variables[name].map { (name, $0) } }
    }

    private mutating func set(_ name: String, _ value: String) {
        if variables.updateValue(value, forKey: name) == nil { order.append(name) }
    }

    /// A `.env` file that could not be read, with the reason.
    public static func unreadable(_ file: String, reason: String) -> DotEnvFile {
        var result = DotEnvFile("", file: file)
        result.diagnostics = [.error(reason, at: SourceLocation(file: file, line: 1, column: 1))]
        return result
    }

    private static func hasClosingQuote(_ quote: Character, in text: String) -> Bool {
        quoted(text, quote: quote) != nil
    }

    /// The content of a quoted value up to its closing quote, unescaped; nil when unclosed.
    private static func quoted(_ text: String, quote: Character) -> String? {
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            if character == quote { return result }
            if quote == "\"", character == "\\", let next = iterator.next() {
                switch next {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "\"", "\\", "$": result.append(next)
                default: result.append("\\"); result.append(next)
                }
                continue
            }
            result.append(character)
        }
        return nil
    }

    private static func unquoted(_ value: Substring) -> String {
        var end = value.endIndex
        var previous: Character = " "
        for index in value.indices {
            if value[index] == "#" && (previous == " " || previous == "\t") { end = index; break }
            previous = value[index]
        }
        return String(value[..<end].trimmingTrailingSpaces())
    }
}

/// Rules for environment variable names.
public enum EnvironmentName {
    /// Letters, digits and `_`, not starting with a digit: what every shell and runtime accepts.
    public static func isValid<S: StringProtocol>(_ name: S) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.isASCIILetter || $0.isASCIIDigit }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var result = self
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
