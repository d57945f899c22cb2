/// One problem found in an application model, located in its file.
///
/// Printed as `FILE:LINE:COLUMN: error: MESSAGE`, the form editors and CI logs recognise,
/// with an optional second line that says what would be right.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious a problem is.
    public enum Severity: String, Sendable, Hashable {
        /// The model cannot be used.
        case error
        /// The model works, but probably not as its author expects.
        case warning
    }

    /// How serious the problem is.
    public var severity: Severity
    /// Where the problem is; `nil` for problems of the file as a whole (it cannot be read).
    public var location: SourceLocation?
    /// What is wrong, in one sentence.
    public var message: String
    /// What would be right, when that is not obvious from the message.
    public var hint: String?

    /// Creates a diagnostic.
    public init(_ severity: Severity, at location: SourceLocation?, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// An error at a location.
    public static func error(_ message: String, at location: SourceLocation?, hint: String? = nil) -> Diagnostic {
        Diagnostic(.error, at: location, message, hint: hint)
    }

    /// A warning at a location.
    public static func warning(_ message: String, at location: SourceLocation?, hint: String? = nil) -> Diagnostic {
        Diagnostic(.warning, at: location, message, hint: hint)
    }

    /// The first line as a compiler prints it, without the hint.
    public var headline: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(message)"
    }

    /// The headline, and the hint indented on the next line.
    public var description: String {
        guard let hint else { return headline }
        return "\(headline)\n    hint: \(hint)"
    }
}

/// The problems that stop a model from being used, in the order they appear in the file.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    /// Every diagnostic found, errors and warnings, sorted by position.
    public var diagnostics: [Diagnostic]

    /// Wraps a list of diagnostics.
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sortedByLocation()
    }

    /// Only the errors.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// One diagnostic a line (hints on their own lines).
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

extension Array where Element == Diagnostic {
    /// Whether any element is an error.
    public var containsErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file position, keeping the order of diagnostics at the same place.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { lhs, rhs in
            let left = lhs.element.location, right = rhs.element.location
            switch (left, right) {
            case (nil, nil): return lhs.offset < rhs.offset
            case (nil, _): return true
            case (_, nil): return false
            case let (left?, right?):
                if left.line != right.line { return left.line < right.line }
                if left.column != right.column { return left.column < right.column }
                return lhs.offset < rhs.offset
            }
        }.map(\.element)
    }
}
