import Resources
import Testing

@Suite("shutdownTimeout")
struct ShutdownTimeoutTests {
    private func timeout(_ value: String) throws -> Duration {
        let model = try validModel("""
            resources:
              api:
                type: project
                command: python3 app.py
                shutdownTimeout: \(value)
            """)
        return try #require(model.projects.first).shutdownTimeout
    }

    @Test("Durations are read with units, and plain numbers as seconds", arguments: [
        ("500ms", Duration.milliseconds(500)), ("10s", .seconds(10)), ("2m", .seconds(120)), ("1.5", .milliseconds(1500)),
        ("3", .seconds(3)), ("1h", .seconds(3600)),
    ])
    func units(_ text: String, _ expected: Duration) throws {
        #expect(try timeout(text) == expected)
    }

    @Test("The default is 10 s, for emulators too")
    func defaults() throws {
        let model = try validModel("""
            resources:
              signalr:
                type: signalr
                mode: Serverless
                shutdownTimeout: 2s
              api:
                type: project
                command: python3 app.py
            """)
        #expect(model.projects.first?.shutdownTimeout == .seconds(10))
        #expect(model.signalRResources.first?.shutdownTimeout == .seconds(2))
    }

    @Test("Zero, negative, over an hour or without a number is an error at the value", arguments: ["0s", "-1", "2h", "soon", "10 parsecs"])
    func invalid(_ text: String) {
        let diagnostic = singleError("""
            resources:
              api:
                type: project
                command: python3 app.py
                shutdownTimeout: \(text)
            """)
        #expect(diagnostic?.position == "5:22")
        #expect(diagnostic?.message.hasPrefix("'shutdownTimeout' must be a duration such as 10s") == true)
    }
}
