import Foundation
import MCP
import Testing

@testable import AppHost

/// The tools of `apphost mcp`: their schemas and the checks on their arguments (the calls
/// themselves are exercised with the real MCP client in Tests/Interop/test_mcp.py).
@Suite("Assistant tools")
struct AssistantToolTests {
    @Test("Each tool lists its arguments as a JSON Schema, the required ones named")
    func describesArgumentsAsASchema() throws {
        let send = try #require(AssistantCatalog.tool(named: "send_signalr_message"))
        let schema = send.definition.inputSchema
        guard case .object(let object) = schema, case .object(let properties)? = object["properties"] else {
            Issue.record("the schema is not an object with properties")
            return
        }
        #expect(object["required"] == .array([.string("hub"), .string("target")]))
        #expect(properties["arguments"] == .object(["type": "array", "items": .object([:]),
                                                    "description": .string("Its arguments, any JSON values (default: none).")]))
        #expect(send.definition.annotations.readOnlyHint == false)
        #expect(Set(AssistantCatalog.tools.map(\.name)).count == AssistantCatalog.tools.count)
    }

    @Test("Arguments of the wrong name or type are refused with what would be right")
    func refusesBadArguments() throws {
        let logs = try #require(AssistantCatalog.tool(named: "get_logs"))
        #expect(throws: ToolFailure.self) { try ToolArguments(["lines": .int(3)], of: logs) }
        let arguments = try ToolArguments(["tail": .string("many"), "filter": .int(2)], of: logs)
        #expect(throws: ToolFailure.self) { try arguments.integer("tail", in: 1...5000) }
        #expect(throws: ToolFailure.self) { try arguments.string("filter") }
        let numbers = try ToolArguments(["tail": .double(20)], of: logs)
        #expect(try numbers.integer("tail", in: 1...5000) == 20)
        let restart = try #require(AssistantCatalog.tool(named: "restart_resource"))
        #expect(throws: ToolFailure.self) { try ToolArguments(nil, of: restart) }
    }

    @Test("A log window starts at an ISO 8601 time or a duration ago")
    func readsSince() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(try LogWindow.start("90s", now: now) == now.addingTimeInterval(-90))
        #expect(try LogWindow.start("5m", now: now) == now.addingTimeInterval(-300))
        #expect(try LogWindow.start("2h", now: now) == now.addingTimeInterval(-7200))
        #expect(try LogWindow.start("1970-01-12T13:46:40Z", now: now) == now)
        #expect(throws: ToolFailure.self) { try LogWindow.start("yesterday", now: now) }
    }
}
