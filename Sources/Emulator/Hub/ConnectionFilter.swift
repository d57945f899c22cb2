import Foundation

/// The OData filter the service accepts on `:execute` (and Web PubSub on its sends): a boolean
/// expression over a connection's `userId`, `connectionId` and `groups`.
///
/// Supported, as Azure documents it: `and`, `or`, `not`, parentheses; `eq`, `ne`, `gt`, `ge`,
/// `lt`, `le`; `in` with a parenthesised list or with `groups`; string literals in single quotes
/// (`''` for a quote), integers, `null`, `true`, `false`; the functions `length`, `startswith`,
/// `endswith`, `contains`, `indexof`, `substring`, `tolower`, `toupper`, `trim` and `concat`.
/// Identifiers are matched without regard to case; values are compared exactly.
public struct ConnectionFilter: Sendable {
    /// What the filter is evaluated against.
    public struct Subject: Sendable {
        /// `userId`: nil for an anonymous connection (it equals `null`).
        public var userID: String?
        /// `connectionId`.
        public var connectionID: String
        /// `groups`: the groups the connection is in now.
        public var groups: [String]

        /// A connection as the filter sees it.
        public init(userID: String?, connectionID: String, groups: [String]) {
            self.userID = userID
            self.connectionID = connectionID
            self.groups = groups
        }
    }

    /// Why a filter cannot be parsed: what was expected, at which character (1-based).
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The character (from 1) where the filter stops making sense.
        public var position: Int
        /// What was expected there.
        public var message: String
        /// The error as the 400 answer says it.
        public var description: String { "invalid filter at position \(position): \(message)" }
    }

    indirect enum Expression: Sendable, Equatable {
        case literal(Value)
        case identifier(Identifier)
        case not(Expression)
        case and(Expression, Expression)
        case or(Expression, Expression)
        case compare(Comparison, Expression, Expression)
        case isIn(Expression, [Expression])
        case isInGroups(Expression)
        case call(Function, [Expression])
    }

    enum Identifier: String, Sendable, CaseIterable { case userId, connectionId, groups }
    enum Comparison: String, Sendable, CaseIterable { case eq, ne, gt, ge, lt, le }
    enum Function: String, Sendable, CaseIterable {
        case length, startswith, endswith, contains, indexof, substring, tolower, toupper, trim, concat
    }

    /// A value during evaluation.
    enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        case null
        case collection([String])
    }

    let expression: Expression

    /// Parses `text`, or throws where it stops making sense.
    public init(_ text: String) throws(ParseError) {
        var parser = FilterParser(text)
        expression = try parser.parseWhole()
    }

    /// Whether `subject` passes the filter.
    public func matches(_ subject: Subject) -> Bool {
        Self.evaluate(expression, subject) == .boolean(true)
    }

    static func evaluate(_ expression: Expression, _ subject: Subject) -> Value {
        switch expression {
        case .literal(let value): return value
        case .identifier(.userId): return subject.userID.map { .string($0) } ?? .null
        case .identifier(.connectionId): return .string(subject.connectionID)
        case .identifier(.groups): return .collection(subject.groups)
        case .not(let inner): return evaluate(inner, subject) == .boolean(true) ? .boolean(false) : .boolean(true)
        case .and(let left, let right):
            return .boolean(evaluate(left, subject) == .boolean(true) && evaluate(right, subject) == .boolean(true))
        case .or(let left, let right):
            return .boolean(evaluate(left, subject) == .boolean(true) || evaluate(right, subject) == .boolean(true))
        case .compare(let comparison, let left, let right):
            return .boolean(compare(comparison, evaluate(left, subject), evaluate(right, subject)))
        case .isIn(let needle, let list):
            let value = evaluate(needle, subject)
            return .boolean(list.contains { evaluate($0, subject) == value })
        case .isInGroups(let needle):
            guard case .string(let group) = evaluate(needle, subject) else { return .boolean(false) }
            return .boolean(subject.groups.contains(group))
        case .call(let function, let arguments):
            return call(function, arguments.map { evaluate($0, subject) })
        }
    }

    private static func compare(_ comparison: Comparison, _ left: Value, _ right: Value) -> Bool {
        switch comparison {
        case .eq: return left == right
        case .ne: return left != right
        default: break
        }
        let order: Int
        switch (left, right) {
        case (.string(let a), .string(let b)): order = a < b ? -1 : a == b ? 0 : 1
        case (.integer(let a), .integer(let b)): order = a < b ? -1 : a == b ? 0 : 1
        default: return false
        }
        switch comparison {
        case .gt: return order > 0
        case .ge: return order >= 0
        case .lt: return order < 0
        default: return order <= 0
        }
    }

    private static func call(_ function: Function, _ arguments: [Value]) -> Value {
        func string(_ index: Int) -> String? {
            guard index < arguments.count, case .string(let text) = arguments[index] else { return nil }
            return text
        }
        func integer(_ index: Int) -> Int? {
            guard index < arguments.count, case .integer(let number) = arguments[index] else { return nil }
            return number
        }
        switch function {
        case .length:
            return string(0).map { .integer($0.count) } ?? .null
        case .startswith, .endswith, .contains:
            guard let text = string(0), let part = string(1) else { return .boolean(false) }
            switch function {
            case .startswith: return .boolean(text.hasPrefix(part))
            case .endswith: return .boolean(text.hasSuffix(part))
            default: return .boolean(part.isEmpty || text.contains(part))
            }
        case .indexof:
            guard let text = string(0), let part = string(1) else { return .null }
            guard let range = text.range(of: part) else { return .integer(-1) }
            return .integer(text.distance(from: text.startIndex, to: range.lowerBound))
        case .substring:
            guard let text = string(0), let start = integer(1), start >= 0 else { return .null }
            let characters = Array(text)
            guard start <= characters.count else { return .string("") }
            let length = integer(2).map { max(0, $0) } ?? characters.count - start
            return .string(String(characters[start..<min(characters.count, start + length)]))
        case .tolower: return string(0).map { .string($0.lowercased()) } ?? .null
        case .toupper: return string(0).map { .string($0.uppercased()) } ?? .null
        case .trim: return string(0).map { .string($0.trimmingCharacters(in: .whitespaces)) } ?? .null
        case .concat:
            guard let first = string(0), let second = string(1) else { return .null }
            return .string(first + second)
        }
    }
}
