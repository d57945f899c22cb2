/// A YAML value with the position it was written at: what the model decoder reads.
///
/// It is the part of a YAML document that apphost.yaml can hold (scalars, sequences, mappings
/// with scalar keys), with aliases already expanded and merge keys (`<<`) applied.
public struct YAMLNode: Sendable {
    /// The shape and content of a node.
    public indirect enum Content: Sendable {
        /// A scalar, as written, with the type YAML's core schema gives it.
        case scalar(YAMLScalar)
        /// A sequence, in order.
        case sequence([YAMLNode])
        /// A mapping, in the order of the file; keys are unique.
        case mapping([YAMLPair])
    }

    /// The node's content.
    public var content: Content
    /// Where the node starts.
    public var location: SourceLocation

    /// Creates a node.
    public init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    /// A word for the node's shape, for messages ("a list", "a mapping", "a string").
    public var kindDescription: String {
        switch content {
        case .scalar(let scalar): scalar.kind.description
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// The scalar, if this node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// The pairs, if this node is a mapping.
    public var pairs: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The elements, if this node is a sequence.
    public var elements: [YAMLNode]? {
        if case .sequence(let elements) = content { return elements }
        return nil
    }
}

/// A mapping entry: a scalar key (with its position) and its value.
public struct YAMLPair: Sendable {
    /// The key's text.
    public var key: String
    /// Where the key is written.
    public var keyLocation: SourceLocation
    /// The value.
    public var value: YAMLNode
}

/// A scalar's text and type.
public struct YAMLScalar: Sendable {
    /// The type YAML's resolver gives a scalar.
    public enum Kind: Sendable, CustomStringConvertible {
        case string, integer, float, boolean, null

        /// "a string", "an integer", …
        public var description: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a number"
            case .boolean: "a boolean"
            case .null: "an empty value"
            }
        }
    }

    /// The text as written (after YAML's own unescaping).
    public var text: String
    /// The resolved type; quoted scalars are always strings.
    public var kind: Kind
    /// How many columns the text starts after the node's location (1 for a quoted scalar),
    /// so that a problem inside the text can be located at its column.
    public var textOffset: Int
    /// Whether the text is on the same line as the node's start, one to one with the source
    /// (plain or quoted without escapes); only then can a column inside it be computed.
    public var isVerbatim: Bool
}
