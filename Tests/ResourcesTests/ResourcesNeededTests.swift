import Testing
import Resources

@Suite("Which resources a selection needs")
struct ResourcesNeededTests {
    let model: ApplicationModel? = load("""
        resources:
          signalr: { type: signalr, mode: Serverless }
          cache: { type: project, command: redis-server }
          api:
            type: project
            command: python3 api.py
            port: 0
            references: [signalr]
            waitFor: [cache]
          web:
            type: project
            command: node web.js
            references: [api]
          tool: { type: project, command: ./tool }
        """).model

    @Test("A project brings what it references and waits for, transitively, and nothing else")
    func transitive() throws {
        let model = try #require(model)
        #expect(model.resourcesNeeded(by: ["web"]) == ["web", "api", "signalr", "cache"])
        #expect(model.resourcesNeeded(by: ["api"]) == ["api", "signalr", "cache"])
        #expect(model.resourcesNeeded(by: ["signalr", "tool"]) == ["signalr", "tool"])
    }

    @Test("Unknown names are left out, for the caller to report")
    func unknownNames() throws {
        let model = try #require(model)
        #expect(model.resourcesNeeded(by: ["nobody", "cache"]) == ["cache"])
        #expect(model.resourcesNeeded(by: [String]()).isEmpty)
    }
}
