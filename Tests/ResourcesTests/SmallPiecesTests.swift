import Resources
import Testing

@Suite("Command splitting")
struct ShellWordsTests {
    @Test("Commands split like a shell, without expansion", arguments: [
        ("python3 app.py", ["python3", "app.py"]),
        ("  node   server.js  --port 80 ", ["node", "server.js", "--port", "80"]),
        ("sh -c 'echo $HOME && sleep 1'", ["sh", "-c", "echo $HOME && sleep 1"]),
        (#"echo "a \"quoted\" word" b\ c"#, ["echo", #"a "quoted" word"#, "b c"]),
        (#"printf '' "" x"#, ["printf", "", "", "x"]),
    ])
    func splitting(command: String, words: [String]) throws {
        #expect(try ShellWords.split(command) == words)
    }

    @Test("An unclosed quote is reported at its offset")
    func unclosedQuote() {
        #expect(throws: ShellWords.UnterminatedQuote(offset: 5, quote: "\"")) { try ShellWords.split("echo \"abc") }
    }
}

@Suite("Suggestions")
struct SuggestionTests {
    @Test("Close words are suggested, distant ones are not")
    func suggestions() {
        let keys = ["mode", "emulator", "endpoint", "upstream"]
        #expect(Suggestion.closest(to: "mdoe", in: keys) == "mode")
        #expect(Suggestion.closest(to: "emualtor", in: keys) == "emulator")
        #expect(Suggestion.closest(to: "Upstream", in: keys) == "upstream")
        #expect(Suggestion.closest(to: "colour", in: keys) == nil)
    }
}

@Suite("Start order")
struct DependencyGraphTests {
    @Test("Resources start in waves after what they depend on")
    func waves() throws {
        let model = try validModel("""
            resources:
              hub: { type: signalr, mode: Serverless }
              api: { type: project, command: run, port: 0, references: [hub] }
              web: { type: project, command: run, references: [api] }
              worker: { type: project, command: run, waitFor: [hub] }
              tool: { type: project, command: run }
            """)
        #expect(DependencyGraph(model).startWaves() == [["hub", "tool"], ["api", "worker"], ["web"]])
    }
}

@Suite("Variable names")
struct ResourceNameTests {
    @Test("The prefix upper-cases and replaces what is not a letter or digit", arguments: [
        ("signalr", "SIGNALR"), ("chat-hub", "CHAT_HUB"), ("MyHub2", "MYHUB2"),
    ])
    func prefixes(name: String, prefix: String) {
        #expect(ResourceName.environmentPrefix(of: name) == prefix)
    }
}
