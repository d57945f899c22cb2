import Foundation
import Yams

/// Reads YAML text into ``YAMLNode``s, with positions, without ever crashing or hanging.
///
/// Hostile input is turned into diagnostics: nesting deep enough to exhaust the stack, alias
/// "bombs" that expand to billions of nodes, aliases used as keys, binary data, huge files.
public struct YAMLReader: Sendable {
    /// The largest file accepted; an application model is a few kilobytes.
    public var maximumBytes = 1 << 20
    /// The deepest nesting accepted.
    public var maximumDepth = 64
    /// The most nodes the document may expand to, counting every alias expansion.
    public var maximumNodes = 100_000

    /// A reader with the default limits.
    public init() {}

    /// Parses `text`, whose diagnostics will name `file`.
    ///
    /// - Returns: the root node (`nil` for an empty document) or the diagnostics that prevent it.
    public func read(_ text: String, file: String) -> Result<YAMLNode?, ModelError> {
        let start = SourceLocation(file: file, line: 1, column: 1)
        let size = text.utf8.count
        if size > maximumBytes {
            return .failure(ModelError([.error(
                "the file is \(Self.formatBytes(size)); an application model is limited to \(Self.formatBytes(maximumBytes))",
                at: start, hint: "is this the right file? apphost.yaml describes resources, not data")]))
        }
        if let problem = StructureGuard(limit: maximumDepth * 2).firstProblem(in: text, file: file) {
            return .failure(ModelError([problem]))
        }
        // Yams composes recursively; the guard above bounds the depth, and a large stack
        // keeps a wide margin. The node tree is also destroyed there, for the same reason.
        return Self.onLargeStack { () -> Result<YAMLNode?, ModelError> in
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
            } catch {
                return .failure(ModelError([Self.diagnostic(for: error, file: file, text: text)]))
            }
            guard let root else { return .success(nil) }
            var converter = Converter(file: file, maximumDepth: maximumDepth, maximumNodes: maximumNodes)
            do {
                return .success(try converter.convert(root, depth: 0))
            } catch let error as ConversionError {
                return .failure(ModelError([error.diagnostic]))
            } catch {
                return .failure(ModelError([.error("\(error)", at: start)]))
            }
        }
    }

    static func formatBytes(_ count: Int) -> String {
        if count >= 1 << 20 { return String(format: "%.1f MB", Double(count) / Double(1 << 20)) }
        if count >= 1 << 10 { return "\(count >> 10) KB" }
        return "\(count) bytes"
    }

    /// Runs `body` on a thread with a 64 MB stack and waits for its result.
    static func onLargeStack<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let box = ResultBox<T>()
        let thread = Thread {
            box.value = body()
            box.done.signal()
        }
        thread.stackSize = 64 << 20
        thread.start()
        box.done.wait()
        return box.value!
    }

    /// Turns a libyaml error into a located diagnostic.
    static func diagnostic(for error: Error, file: String, text: String) -> Diagnostic {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let yamlError = error as? YamlError else {
            return .error("cannot read YAML: \(error)", at: start)
        }
        func located(_ mark: Mark) -> SourceLocation {
            SourceLocation(file: file, line: max(1, mark.line), column: max(1, mark.column))
        }
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(mark.line - 1).first ?? ""
            let indentedWithTab = line.prefix { $0 == " " || $0 == "\t" }.contains("\t")
            let hint = indentedWithTab ? "YAML indents with spaces, not tabs" : syntaxHint(for: problem)
            return .error(message, at: located(mark), hint: hint)
        case let .reader(problem, offset, _, _):
            let hint = "apphost.yaml must be UTF-8 text"
            return .error("cannot read the file as text: \(problem)\(offset.map { " at byte \($0)" } ?? "")", at: start, hint: hint)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return .error("duplicate key \(keys) in the same mapping", at: located(context.mark),
                          hint: "each key may appear once; remove or rename one of them")
        case .dataCouldNotBeDecoded:
            return .error("the file is not UTF-8 text", at: start)
        default:
            return .error("cannot read YAML: \(yamlError)", at: start)
        }
    }

    static func syntaxHint(for problem: String) -> String? {
        if problem.contains("mapping values are not allowed") {
            return "a value containing ': ' must be quoted, or a key is indented wrongly"
        }
        if problem.contains("could not find expected ':'") { return "a key needs a ':' after it" }
        return nil
    }
}

/// Carries a result from the parsing thread back to the caller, who waits on `done` before
/// reading it (so the unchecked sendability is safe).
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
    let done = DispatchSemaphore(value: 0)
}

/// A conversion failure that stops reading (limits exceeded, unsupported YAML).
struct ConversionError: Error {
    var diagnostic: Diagnostic
}

/// Converts Yams nodes, counting expansions, applying merge keys.
private struct Converter {
    let file: String
    let maximumDepth: Int
    let maximumNodes: Int
    var remainingNodes: Int

    init(file: String, maximumDepth: Int, maximumNodes: Int) {
        self.file = file
        self.maximumDepth = maximumDepth
        self.maximumNodes = maximumNodes
        self.remainingNodes = maximumNodes
    }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: max(1, mark?.line ?? 1), column: max(1, mark?.column ?? 1))
    }

    mutating func convert(_ node: Node, depth: Int) throws -> YAMLNode {
        remainingNodes -= 1
        if remainingNodes < 0 {
            throw ConversionError(diagnostic: .error(
                "the document expands to more than \(maximumNodes) values", at: location(node),
                hint: "anchors and aliases that repeat each other multiply; an application model needs a few dozen values"))
        }
        if depth > maximumDepth {
            throw ConversionError(diagnostic: .error(
                "values are nested more than \(maximumDepth) levels deep", at: location(node)))
        }
        switch node {
        case .scalar(let scalar):
            return YAMLNode(.scalar(Self.scalar(scalar, tag: node.tag)), at: location(node))
        case .sequence(let sequence):
            var elements: [YAMLNode] = []
            elements.reserveCapacity(sequence.count)
            for element in sequence {
                elements.append(try convert(element, depth: depth + 1))
            }
            return YAMLNode(.sequence(elements), at: location(node))
        case .mapping(let mapping):
            return YAMLNode(.mapping(try pairs(of: mapping, depth: depth)), at: location(node))
        case .alias:
            throw ConversionError(diagnostic: .error("unresolved alias", at: location(node)))
        }
    }

    mutating func pairs(of mapping: Node.Mapping, depth: Int) throws -> [YAMLPair] {
        var explicit: [YAMLPair] = []
        var merged: [YAMLPair] = []
        for (key, value) in mapping {
            guard case .scalar(let keyScalar) = key else {
                throw ConversionError(diagnostic: .error(
                    "a mapping key must be a plain word, not \(key.isMapping ? "a mapping" : "a list")", at: location(key)))
            }
            if keyScalar.string == "<<", keyScalar.style == .plain || keyScalar.style == .any {
                merged += try mergePairs(from: value, depth: depth)
                continue
            }
            explicit.append(YAMLPair(key: keyScalar.string, keyLocation: location(key),
                                     value: try convert(value, depth: depth + 1)))
        }
        // YAML's merge key: explicit keys win, then earlier merged mappings win over later ones.
        var seen = Set(explicit.map(\.key))
        var result = explicit
        for pair in merged where seen.insert(pair.key).inserted {
            result.append(pair)
        }
        return result
    }

    mutating func mergePairs(from value: Node, depth: Int) throws -> [YAMLPair] {
        switch value {
        case .mapping(let mapping):
            return try pairs(of: mapping, depth: depth)
        case .sequence(let sequence) where sequence.allSatisfy(\.isMapping):
            var result: [YAMLPair] = []
            for case .mapping(let mapping) in sequence { result += try pairs(of: mapping, depth: depth) }
            return result
        default:
            throw ConversionError(diagnostic: .error(
                "a merge key '<<' takes a mapping (usually an alias like *defaults) or a list of them",
                at: location(value)))
        }
    }

    static func scalar(_ scalar: Node.Scalar, tag: Tag) -> YAMLScalar {
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        let kind: YAMLScalar.Kind
        if quoted || scalar.style == .literal || scalar.style == .folded {
            kind = .string
        } else {
            switch Tag.Name(rawValue: tag.description) {
            case .int: kind = .integer
            case .float: kind = .float
            case .bool: kind = .boolean
            case .null: kind = .null
            default: kind = .string
            }
        }
        let verbatim = scalar.style == .plain || scalar.style == .singleQuoted && !scalar.string.contains("'")
            || scalar.style == .doubleQuoted && !scalar.string.contains("\\") && !scalar.string.contains("\"")
        return YAMLScalar(text: scalar.string, kind: kind, textOffset: quoted ? 1 : 0,
                          isVerbatim: verbatim && !scalar.string.contains("\n"))
    }
}

private extension Node {
    var isMapping: Bool {
        if case .mapping = self { return true }
        return false
    }
}
