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
        let flushAtOnce = coalescer.beginBroadcast()
        for (_, output) in clients {
            _ = output.write(ByteBuffer(string: text))
            coalescer.written(output, flushAtOnce: flushAtOnce)
        }
        coalescer.endBroadcast()
    }

    private func sent(_ channel: EmbeddedChannel) throws -> [String] {
        var frames: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { frames.append(String(buffer: buffer)) }
        return frames
    }

    @Test("A broadcast after a quiet spell is flushed at once")
    func quietSpellFlushesAtOnce() throws {
        let (loop, coalescer, clients) = try clientsOnOneLoop()
        broadcast("a", to: clients, through: coalescer)
        loop.run()
        #expect(try clients.map { try sent($0.0) } == [["a"], ["a"]])
    }

    @Test("Broadcasts in quick succession wait for the window and leave in one flush")
    func burstsShareAFlush() throws {
        let (loop, coalescer, clients) = try clientsOnOneLoop()
        broadcast("a", to: clients, through: coalescer)
        loop.run()
        #expect(try clients.map { try sent($0.0) } == [["a"], ["a"]])

        loop.advanceTime(by: .milliseconds(1))
        broadcast("b", to: clients, through: coalescer)
        loop.advanceTime(by: .milliseconds(2))
        broadcast("c", to: clients, through: coalescer)
        #expect(try clients.map { try sent($0.0) } == [[], []], "nothing leaves before the window ends")
        loop.advanceTime(by: FlushCoalescer.window - .milliseconds(2))
        #expect(try clients.map { try sent($0.0) } == [["b", "c"], ["b", "c"]])

        loop.advanceTime(by: FlushCoalescer.quietSpell)
        broadcast("d", to: clients, through: coalescer)
        loop.run()
        #expect(try clients.map { try sent($0.0) } == [["d"], ["d"]], "after another quiet spell the next broadcast is not delayed")
    }
}
