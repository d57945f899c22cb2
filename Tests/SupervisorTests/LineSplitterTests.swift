import Testing
@testable import Supervisor

@Suite("Cutting output into lines")
struct LineSplitterTests {
    private func lines(_ chunks: [String], maximumLength: Int = 16) -> [String] {
        var splitter = LineSplitter(maximumLength: maximumLength)
        var result: [String] = []
        for chunk in chunks {
            splitter.feed(Array(chunk.utf8)[...]) { result.append(String(decoding: $0, as: UTF8.self)) }
        }
        splitter.flush { result.append(String(decoding: $0, as: UTF8.self)) }
        return result
    }

    @Test("Whole lines come out as they are, without the newline or a carriage return")
    func wholeLines() {
        #expect(lines(["one\ntwo\r\nthree\n"]) == ["one", "two", "three"])
    }

    @Test("A line split across reads comes out once, whole")
    func splitLine() {
        #expect(lines(["hel", "lo wo", "rld\nnext\n"]) == ["hello world", "next"])
    }

    @Test("A line longer than the limit comes out in pieces of the limit")
    func longLine() {
        #expect(lines([String(repeating: "a", count: 20) + "\n"], maximumLength: 8) == ["aaaaaaaa", "aaaaaaaa", "aaaa"])
        #expect(lines([String(repeating: "b", count: 10), String(repeating: "b", count: 10)], maximumLength: 8)
            == ["bbbbbbbb", "bbbbbbbb", "bbbb"])
    }

    @Test("Text without a final newline is flushed as a line")
    func partialAtEnd() {
        #expect(lines(["prompt> "]) == ["prompt> "])
        #expect(lines(["\n\n"]) == ["", ""])
    }
}
