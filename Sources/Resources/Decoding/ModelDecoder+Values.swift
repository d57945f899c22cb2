/// Typed reading of YAML values, with `${VAR}` expansion and located type errors.
extension ModelDecoder {
    /// The pairs of a mapping, or an error naming `what` when the node is something else.
    mutating func mapping(_ node: YAMLNode, what: String, hint: String? = nil) -> [YAMLPair]? {
        if let pairs = node.pairs { return pairs }
        error("\(what) must be a mapping of keys to values, not \(node.kindDescription)", at: node.location, hint: hint)
        return nil
    }

    /// The elements of a list; a single scalar is not accepted (a list is what the key means).
    mutating func list(_ node: YAMLNode, key: String) -> [YAMLNode]? {
        if let elements = node.elements { return elements }
        if node.scalar?.kind == .null { return [] }
        error("'\(key)' must be a list, not \(node.kindDescription)", at: node.location,
              hint: "write it as [a, b] or one '- item' per line")
        return nil
    }

    /// A scalar's text with `${VAR}` references expanded; problems are located inside the text.
    mutating func expanded(_ scalar: YAMLScalar, at location: SourceLocation) -> String {
        let (value, problems) = interpolator.expand(scalar.text)
        for problem in problems {
            let at = scalar.isVerbatim ? location.advanced(by: scalar.textOffset + problem.offset) : location
            error(problem.message, at: at, hint: problem.hint)
        }
        return value
    }

    /// Where a scalar's text starts, and whether columns inside it are exact.
    func textLocation(of node: YAMLNode) -> (SourceLocation, exact: Bool) {
        guard let scalar = node.scalar, scalar.isVerbatim, !scalar.text.contains("$") else { return (node.location, false) }
        return (node.location.advanced(by: scalar.textOffset), true)
    }

    /// A string value (numbers and booleans are taken as written: `version: 1.0` is "1.0").
    mutating func string(_ node: YAMLNode, key: String) -> String? {
        guard let scalar = node.scalar, scalar.kind != .null else {
            error("'\(key)' must be a string, not \(node.kindDescription)", at: node.location)
            return nil
        }
        return expanded(scalar, at: node.location)
    }

    /// A string that may hold `{resource.property}` expressions.
    mutating func template(_ node: YAMLNode, key: String) -> TemplateString? {
        guard let text = string(node, key: key) else { return nil }
        let (location, exact) = textLocation(of: node)
        return TemplateString(parsing: text, at: location, exact: exact)
    }

    /// An integer in `range`; a string that expands to one (`${PORT:-8080}`) is accepted.
    mutating func integer(_ node: YAMLNode, key: String, in range: ClosedRange<Int>, meaning: String) -> Int? {
        let expectation = "'\(key)' must be \(meaning) (an integer from \(range.lowerBound) to \(range.upperBound))"
        guard let scalar = node.scalar, scalar.kind == .integer || scalar.kind == .string else {
            error("\(expectation), not \(node.kindDescription)", at: node.location)
            return nil
        }
        let text = expanded(scalar, at: node.location).trimmingSpaces()
        guard let value = Int(text) else {
            error("\(expectation), not '\(text)'", at: node.location)
            return nil
        }
        guard range.contains(value) else {
            error("\(expectation), not \(value)", at: node.location)
            return nil
        }
        return value
    }

    /// A duration: a number of seconds (`10`, `1.5`) or a number with a unit (`500ms`, `10s`, `2m`),
    /// longer than zero and at most an hour.
    mutating func duration(_ node: YAMLNode, key: String) -> Duration? {
        let expectation = "'\(key)' must be a duration such as 10s, 500ms or 2m (longer than 0, at most 1h)"
        guard let scalar = node.scalar, [.integer, .float, .string].contains(scalar.kind) else {
            error("\(expectation), not \(node.kindDescription)", at: node.location)
            return nil
        }
        let text = expanded(scalar, at: node.location).trimmingSpaces()
        let units: [(suffix: String, milliseconds: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("", 1000)]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let number = Double(text.dropLast(unit.suffix.count).trimmingSpaces()) else { continue }
            let milliseconds = number * unit.milliseconds
            guard milliseconds > 0, milliseconds <= 3_600_000 else { break }
            return .milliseconds(Int64(milliseconds.rounded()))
        }
        error("\(expectation), not '\(text)'", at: node.location)
        return nil
    }

    /// `true` or `false`; a string that expands to one is accepted.
    mutating func boolean(_ node: YAMLNode, key: String) -> Bool? {
        if let scalar = node.scalar, scalar.kind == .boolean || scalar.kind == .string {
            switch expanded(scalar, at: node.location).lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        let shown = node.scalar.map { "'\($0.text)'" } ?? node.kindDescription
        error("'\(key)' must be true or false, not \(shown)", at: node.location)
        return nil
    }

    /// One of `allowed`, matched without regard to case and returned as spelt in `allowed`.
    mutating func choice(_ node: YAMLNode, key: String, allowed: [String]) -> String? {
        let listed = allowed.map { "'\($0)'" }.joined(separator: ", ")
        guard let scalar = node.scalar, scalar.kind != .null else {
            error("'\(key)' must be one of \(listed), not \(node.kindDescription)", at: node.location)
            return nil
        }
        let text = expanded(scalar, at: node.location)
        if let match = allowed.first(where: { $0.lowercased() == text.lowercased() }) { return match }
        let suggestion = Suggestion.didYouMean(text, in: allowed)
        error("'\(text)' is not a valid '\(key)'\(suggestion)", at: node.location, hint: "allowed values: \(listed)")
        return nil
    }

    /// A list of strings.
    mutating func strings(_ node: YAMLNode, key: String) -> [Located<String>]? {
        guard let elements = list(node, key: key) else { return nil }
        return elements.compactMap { element in string(element, key: "\(key)[]").map { Located($0, at: element.location) } }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces.
    func trimmingSpaces() -> String {
        String(String(drop { $0 == " " }.reversed()).drop { $0 == " " }.reversed())
    }
}
