import MCP

/// One tool `apphost mcp` offers: what an assistant reads to decide when and how to call it.
struct AssistantTool: Sendable {
    /// One argument of a tool.
    struct Argument: Sendable {
        /// The JSON types an argument may have.
        enum Kind: String, Sendable {
            case string, integer, array
        }

        var name: String
        var kind: Kind
        var description: String
        var required = false
    }

    var name: String
    var description: String
    var arguments: [Argument] = []
    /// Whether it only reads (it changes neither processes nor SignalR clients).
    var readOnly = true

    /// The tool as MCP lists it, its arguments as a JSON Schema object.
    var definition: Tool {
        var properties: [String: Value] = [:]
        for argument in arguments {
            var schema: [String: Value] = ["type": .string(argument.kind.rawValue), "description": .string(argument.description)]
            if argument.kind == .array { schema["items"] = .object([:]) }
            properties[argument.name] = .object(schema)
        }
        let required = arguments.filter(\.required).map { Value.string($0.name) }
        let schema: Value = .object(["type": "object", "properties": .object(properties), "required": .array(required),
                                     "additionalProperties": false])
        return Tool(name: name, description: description, inputSchema: schema,
                    annotations: .init(readOnlyHint: readOnly, destructiveHint: readOnly ? nil : false, openWorldHint: false))
    }
}
