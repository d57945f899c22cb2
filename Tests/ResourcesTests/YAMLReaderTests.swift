import Foundation
import Resources
import Testing

/// Hostile and unusual input never crashes the reader and always gets a located answer.
@Suite("Reading YAML")
struct YAMLReaderTests {
    @Test("An empty file says what a model starts with")
    func emptyFile() throws {
        let diagnostic = try #require(singleDiagnostic(""))
        #expect(diagnostic.message == "the file is empty")
        #expect(diagnostic.position == "1:1")
    }

    @Test("A file of comments only counts as empty")
    func commentsOnly() throws {
        let diagnostic = try #require(singleDiagnostic("# nothing here\n"))
        #expect(diagnostic.message == "the file is empty")
    }

    @Test("A document that is not a mapping is an error")
    func notAMapping() throws {
        let diagnostic = try #require(singleDiagnostic("- a\n- b\n"))
        #expect(diagnostic.message == "the application model must be a mapping of keys to values, not a list")
    }

    @Test("Binary data is refused with a message, not a crash")
    func binaryData() throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = String(decoding: bytes, as: UTF8.self)
        let outcome = load(text)
        #expect(outcome.model == nil)
        #expect(outcome.diagnostics.containsErrors)
    }

    @Test("Control characters are refused by libyaml and reported")
    func controlCharacters() throws {
        let outcome = load("resources:\u{0}\u{1}\u{2}")
        #expect(outcome.model == nil)
        #expect(outcome.diagnostics.first?.message.contains("cannot read the file as text") == true)
    }

    @Test("A 10 MB file is refused by size")
    func hugeFile() throws {
        let text = String(repeating: "# padding padding padding padding padding padding\n", count: 210_000)
        let diagnostic = try #require(singleDiagnostic(text))
        #expect(diagnostic.message == "the file is 10.0 MB; an application model is limited to 1.0 MB")
    }

    @Test("Deep flow nesting is refused before the parser recurses", arguments: [200, 500_000])
    func deepFlowNesting(depth: Int) throws {
        let text = "resources: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let diagnostic = try #require(singleDiagnostic(text))
        #expect(diagnostic.message.contains("levels deep"))
    }

    @Test("Deep block nesting is refused")
    func deepBlockNesting() throws {
        let text = (0..<300).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n")
        let diagnostic = try #require(singleDiagnostic(text))
        #expect(diagnostic.message.contains("levels deep"))
    }

    @Test("Brackets inside quoted strings do not count as nesting")
    func bracketsInQuotes() throws {
        let brackets = String(repeating: "[", count: 300)
        let model = try validModel("""
            resources:
              api: { type: project, command: run, env: { A: "\(brackets)", B: '\(brackets)' } }
            """)
        #expect(model.projects[0].environment.count == 2)
    }

    @Test("A billion-laughs alias bomb is refused quickly")
    func aliasBomb() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]")
        }
        lines.append("resources: *a9")
        let clock = ContinuousClock()
        let start = clock.now
        let diagnostic = try #require(singleDiagnostic(lines.joined(separator: "\n")))
        #expect(diagnostic.message == "the document expands to more than 100000 values")
        #expect(clock.now - start < .seconds(5))
    }

    @Test("An alias used as a key is refused", arguments: ["*k : value", "*k: value", "x: {*k : value}"])
    func aliasAsKey(line: String) throws {
        let diagnostic = try #require(singleDiagnostic("x-a: &k flavour\nresources: {}\n\(line)\n"))
        #expect(diagnostic.message == "keys must be plain words; lists, mappings and aliases cannot be keys")
        #expect(diagnostic.location?.line == 3)
    }

    @Test("An alias bomb used as a key is refused quickly")
    func aliasBombAsKey() throws {
        var lines = ["x-a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            lines.append("x-a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]")
        }
        lines.append("? *a9\n: value")
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = load(lines.joined(separator: "\n"))
        #expect(outcome.model == nil)
        #expect(clock.now - start < .seconds(5))
    }

    @Test("Duplicate keys are an error")
    func duplicateKeys() throws {
        let diagnostic = try #require(singleDiagnostic("resources: {}\nresources: {}\n"))
        #expect(diagnostic.message == "duplicate key 'resources' in the same mapping")
    }

    @Test("Several documents in one file are an error")
    func severalDocuments() throws {
        let diagnostic = try #require(singleDiagnostic("resources: {}\n---\nresources: {}\n"))
        #expect(diagnostic.message.contains("YAML syntax"))
        #expect(diagnostic.location?.line == 2)
    }

    @Test("A key that is a list or mapping is refused", arguments: ["? [a, b]\n: c\n", "[a, b]: c\n", "x: { {a: 1}: b }\n"])
    func complexKey(text: String) throws {
        let diagnostic = try #require(singleDiagnostic(text))
        #expect(diagnostic.message == "keys must be plain words; lists, mappings and aliases cannot be keys")
    }

    @Test("Aliases as values and merge keys are fine")
    func aliasesAsValues() throws {
        let model = try validModel("x-env: &env { A: \"1\" }\nresources:\n  api: { type: project, command: run, env: *env }\n")
        #expect(model.projects[0].environment.map(\.name) == ["A"])
    }
}
