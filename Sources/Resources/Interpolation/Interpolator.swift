/// Expands `${VAR}` references in apphost.yaml values, as docker compose does.
///
/// Supported forms: `${VAR}`, `${VAR:-default}` (default when unset or empty),
/// `${VAR-default}` (default when unset), `${VAR:?message}` / `${VAR?message}` (an error
/// with that message), and `$$` for a literal `$`. Defaults may themselves contain references.
/// A `$` followed by anything else is kept as it is.
public struct Interpolator: Sendable {
    /// The variables: the process environment over the `.env` file.
    public var variables: [String: String]

    /// An interpolator over these variables.
    public init(variables: [String: String]) {
        self.variables = variables
    }

    /// A problem in one value, at a character offset inside it.
    public struct Problem: Sendable, Equatable {
        /// Characters from the start of the value to the `$` that starts the problem.
        public var offset: Int
        /// What is wrong.
        public var message: String
        /// What would be right.
        public var hint: String?

        /// Creates a problem.
        public init(offset: Int, message: String, hint: String?) {
            self.offset = offset
            self.message = message
            self.hint = hint
        }
    }

    /// Expands every reference in `text`.
    ///
    /// - Returns: the expanded text, and the problems found (the text is then best effort).
    public func expand(_ text: String) -> (value: String, problems: [Problem]) {
        guard text.contains("$") else { return (text, []) }
        var parser = Parser(characters: Array(text), variables: variables)
        let value = parser.expand(until: nil)
        return (value, parser.problems)
    }

    private struct Parser {
        let characters: [Character]
        let variables: [String: String]
        var index = 0
        var problems: [Problem] = []

        init(characters: [Character], variables: [String: String]) {
            self.characters = characters
            self.variables = variables
        }

        /// Expands up to `terminator` (a closing brace of an enclosing default) or the end.
        mutating func expand(until terminator: Character?) -> String {
            var output = ""
            while index < characters.count {
                let character = characters[index]
                if let terminator, character == terminator { return output }
                guard character == "$", index + 1 < characters.count else {
                    output.append(character)
                    index += 1
                    continue
                }
                switch characters[index + 1] {
                case "$":
                    output.append("$")
                    index += 2
                case "{":
                    output += reference()
                default:
                    output.append("$")
                    index += 1
                }
            }
            return output
        }

        /// Reads `${…}` starting at `index` and returns its value.
        mutating func reference() -> String {
            let start = index
            index += 2
            let nameStart = index
            while index < characters.count, characters[index] == "_" || characters[index].isASCII && (characters[index].isLetter || characters[index].isNumber) {
                index += 1
            }
            let name = String(characters[nameStart..<index])
            guard let first = name.first, !first.isNumber else {
                let shown = String(characters[start..<min(characters.count, start + 12)])
                problems.append(Problem(offset: start, message: "'\(shown)' is not a variable reference",
                                        hint: "write ${NAME} with a name of letters, digits and '_' (not starting with a digit), or $$ for a literal '$'"))
                skipToClosingBrace()
                return ""
            }
            let value = variables[name]
            guard index < characters.count else { return unterminated(at: start) }
            switch characters[index] {
            case "}":
                index += 1
                if let value { return value }
                problems.append(Problem(offset: start, message: "environment variable '\(name)' is not set",
                                        hint: "set it in the environment or in the .env file beside apphost.yaml, or give a default: ${\(name):-value}"))
                return ""
            case ":", "-", "?":
                let colon = characters[index] == ":"
                if colon { index += 1 }
                guard index < characters.count, characters[index] == "-" || characters[index] == "?" else {
                    problems.append(Problem(offset: start, message: "unknown form in '${\(name):…}'",
                                            hint: "use ${\(name):-default}, ${\(name)-default} or ${\(name):?message}"))
                    skipToClosingBrace()
                    return ""
                }
                let isDefault = characters[index] == "-"
                index += 1
                let problemCount = problems.count
                let argument = expand(until: "}")
                guard index < characters.count else { return unterminated(at: start) }
                index += 1
                let missing = value == nil || colon && value!.isEmpty
                if !missing {
                    problems.removeSubrange(problemCount...)  // the unused default's problems do not count
                    return value!
                }
                if isDefault { return argument }
                problems.append(Problem(offset: start, message: "environment variable '\(name)' is required: \(argument.isEmpty ? "it is not set" : argument)",
                                        hint: "set it in the environment or in the .env file beside apphost.yaml"))
                return ""
            default:
                problems.append(Problem(offset: start, message: "'${\(name)' must be followed by '}', ':-', '-', ':?' or '?'",
                                        hint: "variable names are letters, digits and '_'"))
                skipToClosingBrace()
                return ""
            }
        }

        mutating func unterminated(at start: Int) -> String {
            problems.append(Problem(offset: start, message: "'${' is not closed with '}'",
                                    hint: "write ${NAME}, or $$ for a literal '$'"))
            return ""
        }

        mutating func skipToClosingBrace() {
            while index < characters.count, characters[index] != "}" { index += 1 }
            if index < characters.count { index += 1 }
        }
    }
}
