import NIOCore
import NIOEmbedded
import Testing

@testable import Emulator

@Suite("Flush coalescing")
struct FlushCoalescerTests {
    /// Two connected clients on one embedded event loop, each writing through
    /// `EncodedFrameWriter`, and the loop's coalescer, after a second of silence.
    private func clientsOnOneLoop() throws -> (EmbeddedEventLoop, FlushCoalescer, [(EmbeddedChannel, WebSocketOutput)]) {
        let loop = EmbeddedEventLoop()
        let clients = try (0..<2).map { _ in
            let channel = EmbeddedChannel(loop: loop)
            let output = WebSocketOutput(eventLoop: loop)
            try channel.pipeline.syncOperations.addHandler(EncodedFrameWriter(output: output))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
            return (channel, output)
        }
        loop.advanceTime(by: .seconds(1))
        return (loop, FlushCoalescer(eventLoop: loop), clients)
    }

    /// Writes one broadcast frame to each client, as `HubService.send` does on the loop.
    private func broadcast(_ text: String, to clients: [(EmbeddedChannel, WebSocketOutput)], through coalescer: FlushCoalescer) {
        for (_, output) in clients {
            _ = output.write(ByteBuffer(string: text))
            coalescer.written(output)
        }
        coalescer.endBroadcast()
    }

    private func sent(_ channel: EmbeddedChannel) throws -> [String] {
        var frames: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { frames.append(String(buffer: buffer)) }
        return frames
    }

    @Test("A lone broadcast leaves as soon as the loop has run its queued tasks")
    func loneBroadcastIsNotDelayed() throws {
        let (loop, coalescer, clients) = try clientsOnOneLoop()
        broadcast("a", to: clients, through: coalescer)
        #expect(try clients.map { try sent($0.0) } == [[], []], "the flush is a task of its own, after those queued")
        loop.run()
        #expect(try clients.map { try sent($0.0) } == [["a"], ["a"]])
    }

    @Test("Broadcasts queued together leave in one flush")
    func queuedBroadcastsShareAFlush() throws {
        let (loop, coalescer, clients) = try clientsOnOneLoop()
        broadcast("a", to: clients, through: coalescer)
        broadcast("b", to: clients, through: coalescer)
        loop.run()
        #expect(try clients.map { try sent($0.0) } == [["a", "b"], ["a", "b"]])
    }

    @Test("Within a window of the last flush, broadcasts wait for its end and leave together")
    func burstsWaitForTheWindow() throws {
        let (loop, coalescer, clients) = try clientsOnOneLoop()
        broadcast("a", to: clients, through: coalescer)
        loop.run()
        #expect(try clients.map { try sent($0.0) } == [["a"], ["a"]])

        loop.advanceTime(by: .milliseconds(1))
        broadcast("b", to: clients, through: coalescer)
        loop.advanceTime(by: .milliseconds(2))
        broadcast("c", to: clients, through: coalescer)
        #expect(try clients.map { try sent($0.0) } == [[], []], "nothing leaves before the window ends")
        loop.advanceTime(by: FlushCoalescer.window - .milliseconds(3))
        #expect(try clients.map { try sent($0.0) } == [["b", "c"], ["b", "c"]])

        loop.advanceTime(by: FlushCoalescer.window)
        broadcast("d", to: clients, through: coalescer)
        loop.run()
        #expect(try clients.map { try sent($0.0) } == [["d"], ["d"]], "a window after the last flush, the next broadcast is not delayed")
    }
}
