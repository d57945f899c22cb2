/// Reads the text of a `ConnectionFilter` into its expression: tokens, then recursive descent
/// with OData's precedence (`not` over comparisons over `and` over `or`). Every error names the
/// 1-based character position where the filter stopped making sense.
struct FilterParser {
    typealias Expression = ConnectionFilter.Expression

    enum Token: Equatable {
        case word(String)
        case string(String)
        case integer(Int)
        case open, close, comma
        case end
    }

    /// Parentheses, `not` and function calls may nest this deep: a hostile filter gets an
    /// error, not a stack overflow.
    static let maximumDepth = 64

    private var tokens: [(token: Token, position: Int)] = []
    private var index = 0
    private var depth = 0
    private var tokenizeError: ConnectionFilter.ParseError?

    init(_ text: String) {
        do { tokens = try Self.tokenize(text) } catch { tokenizeError = error }
    }

    /// The whole text as one boolean expression.
    mutating func parseWhole() throws(ConnectionFilter.ParseError) -> Expression {
        if let tokenizeError { throw tokenizeError }
        if current == .end { throw error("the filter is empty") }
        let expression = try parseOr()
        guard current == .end else { throw error("unexpected \(describe(current)); expected 'and', 'or' or the end") }
        return expression
    }

    // MARK: Grammar

    private mutating func parseOr() throws(ConnectionFilter.ParseError) -> Expression {
        var left = try parseAnd()
        while isKeyword("or") {
            advance()
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(ConnectionFilter.ParseError) -> Expression {
        var left = try parseUnary()
        while isKeyword("and") {
            advance()
            left = .and(left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(ConnectionFilter.ParseError) -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw error("the filter nests deeper than \(Self.maximumDepth) levels") }
        if isKeyword("not") {
            advance()
            return .not(try parseUnary())
        }
        let left = try parseOperand()
        if case .word(let word) = current, let comparison = ConnectionFilter.Comparison(rawValue: word.lowercased()) {
            advance()
            return .compare(comparison, left, try parseOperand())
        }
        if isKeyword("in") {
            advance()
            if case .word(let word) = current, word.lowercased() == "groups" {
                advance()
                return .isInGroups(left)
            }
            return .isIn(left, try parseList())
        }
        return left
    }

    private mutating func parseList() throws(ConnectionFilter.ParseError) -> [Expression] {
        guard current == .open else { throw error("expected '(' and a list of values, or 'groups', after 'in'") }
        advance()
        var items = [try parseOperand()]
        while current == .comma {
            advance()
            items.append(try parseOperand())
        }
        try expect(.close, "expected ',' or ')' in the list")
        return items
    }

    private mutating func parseOperand() throws(ConnectionFilter.ParseError) -> Expression {
        let token = current
        switch token {
        case .string(let text):
            advance()
            return .literal(.string(text))
        case .integer(let number):
            advance()
            return .literal(.integer(number))
        case .open:
            advance()
            let inner = try parseOr()
            try expect(.close, "expected ')'")
            return inner
        case .word(let word):
            let lowered = word.lowercased()
            switch lowered {
            case "null": advance(); return .literal(.null)
            case "true": advance(); return .literal(.boolean(true))
            case "false": advance(); return .literal(.boolean(false))
            default: break
            }
            if let identifier = ConnectionFilter.Identifier.allCases.first(where: { $0.rawValue.lowercased() == lowered }) {
                advance()
                return .identifier(identifier)
            }
            if let function = ConnectionFilter.Function(rawValue: lowered) {
                advance()
                return .call(function, try parseArguments(of: function))
            }
            throw error("unknown name '\(word)'; expected userId, connectionId, groups, a literal or a function (\(ConnectionFilter.Function.allCases.map(\.rawValue).joined(separator: ", ")))")
        case .close, .comma, .end:
            throw error("expected a value, found \(describe(token))")
        }
    }

    private mutating func parseArguments(of function: ConnectionFilter.Function) throws(ConnectionFilter.ParseError) -> [Expression] {
        try expect(.open, "expected '(' after '\(function.rawValue)'")
        var arguments = [try parseOr()]
        while current == .comma {
            advance()
            arguments.append(try parseOr())
        }
        let expected: ClosedRange<Int> = switch function {
        case .length, .tolower, .toupper, .trim: 1...1
        case .substring: 2...3
        default: 2...2
        }
        guard expected.contains(arguments.count) else {
            throw error("'\(function.rawValue)' takes \(expected.lowerBound == expected.upperBound ? "\(expected.lowerBound)" : "\(expected.lowerBound) or \(expected.upperBound)") argument(s), not \(arguments.count)")
        }
        try expect(.close, "expected ',' or ')' after the arguments of '\(function.rawValue)'")
        return arguments
    }

    // MARK: Tokens

    private var current: Token { tokens[index].token }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    private func isKeyword(_ keyword: String) -> Bool {
        if case .word(let word) = current { return word.lowercased() == keyword }
        return false
    }

    private mutating func expect(_ token: Token, _ message: String) throws(ConnectionFilter.ParseError) {
        guard current == token else { throw error("\(message), found \(describe(current))") }
        advance()
    }

    private func error(_ message: String) -> ConnectionFilter.ParseError {
        ConnectionFilter.ParseError(position: tokens[index].position, message: message)
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let word): "'\(word)'"
        case .string(let text): "the string '\(text)'"
        case .integer(let number): "the number \(number)"
        case .open: "'('"
        case .close: "')'"
        case .comma: "','"
        case .end: "the end of the filter"
        }
    }

    static func tokenize(_ text: String) throws(ConnectionFilter.ParseError) -> [(token: Token, position: Int)] {
        let characters = Array(text)
        var tokens: [(token: Token, position: Int)] = []
        var index = 0
        while index < characters.count {
            let character = characters[index], position = index + 1
            switch character {
            case " ", "\t", "\n", "\r":
                index += 1
            case "(": tokens.append((.open, position)); index += 1
            case ")": tokens.append((.close, position)); index += 1
            case ",": tokens.append((.comma, position)); index += 1
            case "'":
                var value = ""
                index += 1
                while true {
                    guard index < characters.count else {
                        throw ConnectionFilter.ParseError(position: position, message: "the string that starts here is not closed with '")
                    }
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                tokens.append((.string(value), position))
            case "-", "0"..."9":
                var digits = String(character)
                index += 1
                while index < characters.count, characters[index].isASCII, characters[index].isNumber {
                    digits.append(characters[index])
                    index += 1
                }
                guard let number = Int(digits) else {
                    throw ConnectionFilter.ParseError(position: position, message: "'\(digits)' is not a whole number")
                }
                tokens.append((.integer(number), position))
            case _ where character.isLetter || character == "_":
                var word = ""
                while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "_" {
                    word.append(characters[index])
                    index += 1
                }
                tokens.append((.word(word), position))
            default:
                throw ConnectionFilter.ParseError(position: position, message: "unexpected character '\(character)'")
            }
        }
        tokens.append((.end, characters.count + 1))
        return tokens
    }
}
