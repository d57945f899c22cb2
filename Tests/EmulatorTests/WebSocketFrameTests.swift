import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import Emulator

@Suite("Server WebSocket frames")
struct WebSocketFrameTests {
    /// Decodes bytes with NIO's own frame decoder, as a client would.
    private func decode(_ bytes: ByteBuffer) throws -> WebSocketFrame? {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        try channel.writeInbound(bytes)
        return try channel.readInbound(as: WebSocketFrame.self)
    }

    @Test("Frames of every length class decode to the same payload, final and unmasked", arguments: [0, 1, 125, 126, 65535, 65536, 300_000])
    func lengths(length: Int) throws {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let frame = try #require(try decode(WebSocketFrameBytes.frame(.binary, payload: payload)))
        #expect(frame.fin)
        #expect(frame.opcode == .binary)
        #expect(frame.maskKey == nil)
        #expect(frame.data == payload)
    }

    @Test("Hub messages travel as text for JSON and binary for MessagePack")
    func messageOpcodes() throws {
        let payload = ByteBuffer(string: "{}\u{1E}")
        #expect(try decode(WebSocketFrameBytes.message(payload, binary: false))?.opcode == .text)
        #expect(try decode(WebSocketFrameBytes.message(payload, binary: true))?.opcode == .binary)
    }

    @Test("A Close frame carries its status code and reason")
    func closeFrame() throws {
        let frame = try #require(try decode(WebSocketFrameBytes.close(.policyViolation, reason: "too slow")))
        #expect(frame.opcode == .connectionClose)
        var data = frame.data
        #expect(data.readWebSocketErrorCode() == .policyViolation)
        #expect(data.readString(length: data.readableBytes) == "too slow")
    }

    @Test("A broadcast encodes the WebSocket frame once and every client shares it")
    func sharedBroadcastFrame() throws {
        let message = EncodedMessage(.invocation(Invocation(invocationID: nil, target: "t", arguments: [.string("hi")])))
        let frame = try #require(try decode(message.webSocketFrame(for: .json)))
        #expect(frame.data == message.json)
        #expect(try decode(message.webSocketFrame(for: .messagepack))?.data == message.messagePack)
    }
}
