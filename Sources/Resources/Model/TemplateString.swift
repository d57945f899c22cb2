/// A string that may refer to other resources' values: `{api.url}`, `{signalr.connectionString}`.
///
/// Placeholders without a dot (`{hub}`, `{event}`, `{category}`) are not expressions: they
/// belong to upstream URL templates and stay as written.
public struct TemplateString: Sendable, Equatable, CustomStringConvertible {
    /// A piece of the string.
    public enum Segment: Sendable, Equatable {
        /// Literal text.
        case text(String)
        /// A reference to a value of another resource.
        case expression(ValueExpression)
    }

    /// The pieces, in order.
    public var segments: [Segment]

    /// A string without expressions.
    public init(literal text: String) {
        segments = text.isEmpty ? [] : [.text(text)]
    }

    /// Splits `text` into literal text and `{resource.property}` expressions.
    ///
    /// - Parameters:
    ///   - location: where `text` starts in the file, when each character maps to one column
    ///     (so an expression can be located exactly); otherwise where the value is.
    ///   - exact: whether `location` is the first character's own position.
    public init(parsing text: String, at location: SourceLocation, exact: Bool = true) {
        var segments: [Segment] = []
        let characters = Array(text)
        var literal = ""
        var index = 0
        while index < characters.count {
            if characters[index] == "{", let (expression, end) = Self.expression(in: characters, at: index) {
                if !literal.isEmpty { segments.append(.text(literal)); literal = "" }
                let at = exact ? location.advanced(by: index) : location
                segments.append(.expression(ValueExpression(resource: expression.0, property: expression.1, location: at)))
                index = end
            } else {
                literal.append(characters[index])
                index += 1
            }
        }
        if !literal.isEmpty { segments.append(.text(literal)) }
        self.segments = segments
    }

    /// The expressions, in order.
    public var expressions: [ValueExpression] {
        segments.compactMap { if case .expression(let expression) = $0 { expression } else { nil } }
    }

    /// The string with each expression replaced by `value(expression)`.
    public func rendered(_ value: (ValueExpression) -> String) -> String {
        segments.map {
            switch $0 {
            case .text(let text): text
            case .expression(let expression): value(expression)
            }
        }.joined()
    }

    /// The string as written.
    public var description: String { rendered { "{\($0.resource).\($0.property)}" } }

    /// Reads `{name.property}` at `start`; returns the parts and the index after `}`.
    private static func expression(in characters: [Character], at start: Int) -> ((String, String), Int)? {
        var index = start + 1
        func isNameCharacter(_ character: Character) -> Bool {
            character.isASCII && (character.isLetter || character.isNumber || character == "-")
        }
        guard index < characters.count, characters[index].isASCII, characters[index].isLetter else { return nil }
        let nameStart = index
        while index < characters.count, isNameCharacter(characters[index]) { index += 1 }
        let name = String(characters[nameStart..<index])
        guard index < characters.count, characters[index] == "." else { return nil }
        index += 1
        let propertyStart = index
        while index < characters.count, characters[index].isASCII, characters[index].isLetter { index += 1 }
        guard index > propertyStart, index < characters.count, characters[index] == "}" else { return nil }
        return ((name, String(characters[propertyStart..<index])), index + 1)
    }
}

/// `{resource.property}` inside a string.
public struct ValueExpression: Sendable, Equatable {
    /// The resource named.
    public var resource: String
    /// The property asked for (see ``ValueProperty``).
    public var property: String
    /// Where the expression is written.
    public var location: SourceLocation
}

/// The properties an expression can ask of a resource.
public enum ValueProperty: String, Sendable, CaseIterable {
    /// The endpoint's URL (a SignalR resource's URI).
    case url
    /// The endpoint's host.
    case host
    /// The endpoint's port.
    case port
    /// A SignalR resource's connection string.
    case connectionString
}
