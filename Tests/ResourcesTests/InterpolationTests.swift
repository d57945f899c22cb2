import Resources
import Testing

@Suite("Interpolation of ${VAR}")
struct InterpolationTests {
    let interpolator = Interpolator(variables: ["HOST": "example.com", "EMPTY": "", "PORT": "8080", "NAME": "PORT"])

    @Test("Values expand as docker compose expands them", arguments: [
        ("plain text", "plain text"),
        ("${HOST}", "example.com"),
        ("https://${HOST}:${PORT}/", "https://example.com:8080/"),
        ("$$HOST", "$HOST"),
        ("cost: $$5 and $$$${HOST}", "cost: $5 and $${HOST}"),
        ("a lone $ stays", "a lone $ stays"),
        ("$HOST is not expanded", "$HOST is not expanded"),
        ("${MISSING:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("${MISSING-fallback}", "fallback"),
        ("${MISSING:-${HOST}}", "example.com"),
        ("${MISSING:-${ALSO_MISSING:-deep}}", "deep"),
        ("${MISSING:-}", ""),
        ("${HOST:-${MISSING}}", "example.com"),
        ("${MISSING:-a $$ b}", "a $ b"),
        ("${HOST:?must be set}", "example.com"),
    ])
    func expansions(input: String, expected: String) {
        let (value, problems) = interpolator.expand(input)
        #expect(problems.isEmpty, "\(problems)")
        #expect(value == expected)
    }

    @Test("$$ escapes a dollar before a brace")
    func escapedReference() {
        let (value, problems) = interpolator.expand("$${HOST}")
        #expect(problems.isEmpty)
        #expect(value == "${HOST}")
    }

    @Test("An unset variable without a default is a problem at its offset")
    func unsetVariable() {
        let (_, problems) = interpolator.expand("abc ${MISSING} def")
        #expect(problems == [Interpolator.Problem(offset: 4, message: "environment variable 'MISSING' is not set",
                                                  hint: "set it in the environment or in the .env file beside apphost.yaml, or give a default: ${MISSING:-value}")])
    }

    @Test("A nested default that is not needed does not report its own unset variables")
    func unusedDefaultIsNotChecked() {
        let (value, problems) = interpolator.expand("${HOST:-${MISSING}}")
        #expect(value == "example.com")
        #expect(problems.isEmpty)
    }

    @Test("A required variable reports its message")
    func requiredVariable() {
        let (_, problems) = interpolator.expand("${TOKEN:?set TOKEN to your API token}")
        #expect(problems.map(\.message) == ["environment variable 'TOKEN' is required: set TOKEN to your API token"])
    }

    @Test("Malformed references are problems, not crashes", arguments: ["${", "${HOST", "${HOST:-abc", "${1ABC}", "${HO ST}", "${}", "${HOST:x}"])
    func malformedReferences(input: String) {
        let (_, problems) = interpolator.expand(input)
        #expect(problems.count == 1)
        #expect(problems.first?.offset == 0)
    }

    @Test("Interpolated values reach the model, including ports")
    func interpolatedModel() throws {
        let model = try validModel("""
            resources:
              hub:
                type: signalr
                mode: ${MODE:-Serverless}
                port: ${HUB_PORT}
                accessKey: ${KEY}
            """, variables: ["HUB_PORT": "9999", "KEY": "s3cret"])
        let hub = model.signalRResources[0]
        #expect(hub.mode == .serverless)
        #expect(hub.port == 9999)
        #expect(hub.accessKey == "s3cret")
    }
}

@Suite("The .env file")
struct DotEnvFileTests {
    @Test("Lines, quotes, comments and export are read as compose reads them")
    func parsing() {
        let file = DotEnvFile("""
            # a comment
            PLAIN=value
            export EXPORTED=yes
            SPACED = spaced value  # trailing comment
            HASH=a#b
            SINGLE='literal $HOME \\n'
            DOUBLE="line\\nbreak \\"quoted\\""
            MULTI="first
            second"
            EMPTY=
            """, file: ".env")
        #expect(file.diagnostics.isEmpty)
        #expect(file.variables == [
            "PLAIN": "value", "EXPORTED": "yes", "SPACED": "spaced value", "HASH": "a#b",
            "SINGLE": "literal $HOME \\n", "DOUBLE": "line\nbreak \"quoted\"", "MULTI": "first\nsecond", "EMPTY": "",
        ])
    }

    @Test("Bad lines are located")
    func badLines() {
        let file = DotEnvFile("GOOD=1\nnot a variable\n1BAD=2\nOPEN=\"never closed\n", file: ".env")
        #expect(file.diagnostics.map(\.position) == ["2:1", "3:1", "4:1"])
        #expect(file.diagnostics.map(\.message) == ["expected NAME=value", "'1BAD' is not a valid variable name", "the value of 'OPEN' has no closing \""])
        #expect(file.variables == ["GOOD": "1"])
    }
}
