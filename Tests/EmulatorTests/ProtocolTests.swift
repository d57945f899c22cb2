@testable import Emulator
import Testing

@Suite("Hub protocols")
struct ProtocolTests {
    static let messages: [HubMessage] = [
        .invocation(Invocation(invocationID: "1", target: "send", arguments: [.string("hé"), .int(-5), .double(2.5), .bool(true), .null,
                                                                                  .array([.int(1), .int(300), .int(70000), .int(5_000_000_000)]),
                                                                                  .map([HubPair(.string("k"), .string("v"))])])),
        .invocation(Invocation(target: "fire", arguments: [], headers: ["a": "b"])),
        .streamItem(invocationID: "2", item: .string("item")),
        .completion(Completion(invocationID: "3", outcome: .result(.int(42)))),
        .completion(Completion(invocationID: "4", outcome: .error("boom"))),
        .completion(Completion(invocationID: "5", outcome: .void)),
        .streamInvocation(Invocation(invocationID: "6", target: "counter", arguments: [.int(10)], streamIDs: ["s1"])),
        .cancelInvocation(invocationID: "7"),
        .ping,
        .close(error: "bye", allowReconnect: true),
        .close(error: nil, allowReconnect: false),
    ]

    @Test("Every message type survives a JSON round trip", arguments: messages)
    func jsonRoundTrip(message: HubMessage) throws {
        #expect(try JSONHubProtocol.decode(JSONHubProtocol.encode(message)) == message)
    }

    @Test("Every message type survives a MessagePack round trip", arguments: messages)
    func messagePackRoundTrip(message: HubMessage) throws {
        #expect(try MessagePackHubProtocol.decode(MessagePackHubProtocol.encode(message)) == message)
    }

    @Test("A record split across reads is reassembled", arguments: HubProtocolKind.allCases)
    func splitRecords(kind: HubProtocolKind) throws {
        let frame = kind.encodeFrame(Self.messages[0])
        var decoder = HubFrameDecoder(maximumMessageSize: 1 << 20)
        decoder.kind = kind
        for byte in frame.dropLast() {
            decoder.append([byte])
            #expect(try decoder.nextRecord() == nil)
        }
        decoder.append([frame.last!])
        let record = try #require(try decoder.nextRecord())
        #expect(try kind.decodeBody(record) == Self.messages[0])
    }

    @Test("Several records in one read come out one by one", arguments: HubProtocolKind.allCases)
    func severalRecords(kind: HubProtocolKind) throws {
        var decoder = HubFrameDecoder(maximumMessageSize: 1 << 20)
        decoder.kind = kind
        decoder.append(Self.messages.flatMap { kind.encodeFrame($0) })
        var decoded: [HubMessage] = []
        while let record = try decoder.nextRecord() { decoded.append(try kind.decodeBody(record)) }
        #expect(decoded == Self.messages)
    }

    @Test("An oversized record is refused before it is buffered whole", arguments: HubProtocolKind.allCases)
    func oversized(kind: HubProtocolKind) {
        var decoder = HubFrameDecoder(maximumMessageSize: 64)
        decoder.kind = kind
        decoder.append(kind.encodeFrame(.invocation(Invocation(target: String(repeating: "x", count: 100), arguments: []))))
        #expect(throws: ProtocolError.self) { try decoder.nextRecord() }
    }

    @Test("The handshake is read before the protocol's own framing")
    func handshake() throws {
        var decoder = HubFrameDecoder(maximumMessageSize: 1024)
        decoder.append(Array("{\"protocol\":\"messagepack\",\"version\":1}\u{1E}".utf8) + HubProtocolKind.messagepack.encodeFrame(.ping))
        let handshake = try HandshakeRequest(json: try #require(try decoder.nextRecord()))
        #expect(handshake == HandshakeRequest(protocolName: "messagepack", version: 1))
        decoder.kind = .messagepack
        #expect(try HubProtocolKind.messagepack.decodeBody(try #require(try decoder.nextRecord())) == .ping)
    }

    @Test("Malformed messages are protocol errors", arguments: [
        "{", "[]", "{\"type\":\"1\"}", "{\"type\":1}", "{\"type\":1,\"target\":\"t\",\"arguments\":{}}", "{\"type\":99}",
        "{\"type\":3}", "\"\\ud800\"", "{\"a\":01x}",
    ])
    func malformedJSON(text: String) {
        #expect(throws: ProtocolError.self) { try JSONHubProtocol.decode(Array(text.utf8)) }
    }

    @Test("Malformed MessagePack is a protocol error", arguments: [[0xC1], [0x92, 0x01], [0xDD, 0xFF, 0xFF, 0xFF, 0xFF], [0xA5, 0x61], [0x91, 0x63], [0xDB, 0xFF, 0xFF, 0xFF, 0xFF]] as [[UInt8]])
    func malformedMessagePack(bytes: [UInt8]) {
        #expect(throws: ProtocolError.self) { try MessagePackHubProtocol.decode(bytes) }
    }

    @Test("MessagePack integers use the smallest encoding and read back exactly", arguments: [
        Int64(0), 127, 128, 255, 256, 65535, 65536, 4_294_967_295, 4_294_967_296, -1, -32, -33, -128, -129, -32768, -32769, Int64.min, Int64.max,
    ])
    func integers(value: Int64) throws {
        let bytes = MessagePackCodec.encode(.int(value))
        #expect(try MessagePackCodec.decodeWhole(bytes).integer == value)
    }

    @Test("MessagePack strings, binaries, maps and extensions of every size class round-trip", arguments: [0, 31, 32, 255, 256, 65535, 65536])
    func sizes(count: Int) throws {
        let values: [HubValue] = [.string(String(repeating: "a", count: count)), .binary([UInt8](repeating: 7, count: count)),
                                  .array([HubValue](repeating: .null, count: min(count, 70000))),
                                  .map((0..<min(count, 2000)).map { HubPair(.int(Int64($0)), .bool(true)) }),
                                  .extension(5, [UInt8](repeating: 1, count: count))]
        for value in values {
            #expect(try MessagePackCodec.decodeWhole(MessagePackCodec.encode(value)) == value)
        }
    }

    @Test("JSON keeps numbers' kinds and escapes control characters")
    func jsonValues() throws {
        let value = try JSONCodec.decode(Array(#"{"i":1,"d":1.5,"e":1e3,"b":false,"s":"a\"b\n\u00e9\ud83d\ude00","n":null,"big":18446744073709551615}"#.utf8))
        #expect(value["i"] == .int(1))
        #expect(value["d"] == .double(1.5))
        #expect(value["e"] == .double(1000))
        #expect(value["b"] == .bool(false))
        #expect(value["s"] == .string("a\"b\né😀"))
        #expect(value["big"] == .uint(18_446_744_073_709_551_615))
        #expect(String(decoding: JSONCodec.encode(.string("\u{1}\n\"")), as: UTF8.self) == #""\u0001\n\"""#)
        #expect(throws: ProtocolError.self) { try JSONCodec.decode(Array(String(repeating: "[", count: 100).utf8)) }
    }
}
