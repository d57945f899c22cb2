import Testing
@testable import Dashboard

@Suite("Reading an event stream")
struct EventStreamParserTests {
    let stream = ":\n\nevent: resource\ndata: {\"a\":1}\n\nevent: line\r\ndata: first\r\ndata:second\r\n\r\n: a comment\n\ndata: third\r\r"

    @Test("Events come out whole and in order, with names, joined data lines, and comments skipped")
    func wholeStream() {
        var parser = EventStreamParser()
        #expect(parser.feed(Array(stream.utf8)) == [
            .init(name: "resource", data: "{\"a\":1}"),
            .init(name: "line", data: "first\nsecond"),
            .init(name: "message", data: "third"),
        ])
    }

    @Test("However the bytes are cut into chunks, the same events come out", arguments: [1, 2, 3, 5, 7, 64])
    func anyChunking(size: Int) {
        var whole = EventStreamParser()
        let expected = whole.feed(Array(stream.utf8))
        var parser = EventStreamParser()
        var events: [EventStreamParser.Event] = []
        let bytes = Array(stream.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            events += parser.feed(bytes[start..<min(start + size, bytes.count)])
        }
        #expect(events == expected)
    }

    @Test("An event is not dispatched before its blank line, and one with no data never is")
    func incompleteAndEmpty() {
        var parser = EventStreamParser()
        #expect(parser.feed(Array("event: line\ndata: half".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\nevent: empty\n\n".utf8)) == [.init(name: "line", data: "half")])
        #expect(parser.feed(Array("data: next\n\n".utf8)) == [.init(name: "message", data: "next")])
    }
}
