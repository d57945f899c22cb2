import Foundation
import MCP

/// Why a tool could not do what it was asked: the text the assistant reads, which says what
/// was wrong and what would be right. A tool error, never a protocol error or a crash.
struct ToolFailure: Error {
    /// The reason, for the assistant.
    var reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}

/// The arguments of one tool call, read with checks that name the argument and its expected form.
struct ToolArguments {
    private let values: [String: Value]
    private let known: Set<String>

    /// The arguments of `tool`; a name the tool does not take is refused, so a misspelt one is
    /// not silently ignored.
    init(_ values: [String: Value]?, of tool: AssistantTool) throws(ToolFailure) {
        self.values = values ?? [:]
        known = Set(tool.arguments.map(\.name))
        for name in self.values.keys.sorted() where !known.contains(name) {
            let accepted = tool.arguments.map(\.name)
            throw ToolFailure("\(tool.name) has no argument '\(name)'; it takes \(accepted.isEmpty ? "none" : accepted.joined(separator: ", "))")
        }
        for argument in tool.arguments where argument.required && self.values[argument.name] == nil {
            throw ToolFailure("\(tool.name) needs '\(argument.name)': \(argument.description)")
        }
    }

    /// A string argument, if given.
    func string(_ name: String) throws(ToolFailure) -> String? {
        guard let value = values[name], value != .null else { return nil }
        guard let text = value.stringValue else { throw ToolFailure("'\(name)' must be a string, not \(value)") }
        return text
    }

    /// An integer argument within `range`, if given (a whole number sent as a double is taken).
    func integer(_ name: String, in range: ClosedRange<Int>) throws(ToolFailure) -> Int? {
        guard let value = values[name], value != .null else { return nil }
        let number: Int?
        switch value {
        case .int(let whole): number = whole
        case .double(let real) where real.rounded() == real && abs(real) < 1e15: number = Int(real)
        case .string(let text): number = Int(text)
        default: number = nil
        }
        guard let number, range.contains(number) else {
            throw ToolFailure("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(value)")
        }
        return number
    }

    /// Any JSON value, if given.
    func value(_ name: String) -> Value? {
        values[name].flatMap { $0 == .null ? nil : $0 }
    }
}
