@testable import Emulator
import Testing

/// The completions an upstream may answer with, written byte by byte as the hub protocol
/// specification frames them (JSON: the record, then 0x1E; MessagePack: a varint length, then
/// the array), independently of the emulator's encoder.
@Suite("Upstream answers")
struct UpstreamAnswerTests {
    /// `{"type":3,"invocationId":"1","result":<result>}` as text.
    func jsonCompletion(_ result: String) -> [UInt8] {
        Array(#"{"type":3,"invocationId":"1","result":\#(result)}"#.utf8)
    }

    /// `[3, {}, "1", 3, <result>]` in MessagePack: fixarray of 5, 3, empty map, "1", result kind 3.
    func messagePackCompletion(_ result: [UInt8]) -> [UInt8] {
        [0x95, 0x03, 0x80, 0xA1, 0x31, 0x03] + result
    }

    /// The varint length prefix of the MessagePack hub protocol.
    func lengthPrefixed(_ body: [UInt8]) -> [UInt8] {
        var prefix: [UInt8] = [], length = body.count
        repeat {
            prefix.append(UInt8(length & 0x7F) | (length > 0x7F ? 0x80 : 0))
            length >>= 7
        } while length > 0
        return prefix + body
    }

    @Test("A JSON completion is accepted with and without its record separator", arguments: [
        ("42", HubValue.int(42)), ("-7", .int(-7)), ("1.5", .double(1.5)), ("true", .bool(true)), ("null", .null),
        (#""hi \u00e9""#, .string("hi é")), ("[1,\"a\"]", .array([.int(1), .string("a")])),
        (#"{"k":[{}]}"#, .map([HubPair(.string("k"), .array([.map([])]))])),
    ])
    func jsonResults(text: String, value: HubValue) {
        let body = jsonCompletion(text)
        for answer in [body, body + [0x1E]] {
            #expect(UpstreamAnswer.outcome(status: 200, body: answer, contentType: "application/json", kind: .json) == .result(value))
        }
    }

    @Test("A MessagePack completion is accepted with and without its length prefix", arguments: [
        ([0x2A], HubValue.int(42)), ([0xD0, 0x85], .int(-123)), ([0xCD, 0x01, 0x00], .int(256)), ([0xCF, 0, 0, 0, 1, 0, 0, 0, 0], .int(1 << 32)),
        ([0xCB, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0], .double(1.5)), ([0xC3], .bool(true)), ([0xC0], .null),
        ([0xA2, 0x68, 0x69], .string("hi")), ([0xC4, 0x02, 0x00, 0xFF], .binary([0x00, 0xFF])),
        ([0x92, 0x01, 0xA1, 0x61], .array([.int(1), .string("a")])), ([0x81, 0xA1, 0x6B, 0x90], .map([HubPair(.string("k"), .array([]))])),
    ])
    func messagePackResults(encoded: [UInt8], value: HubValue) {
        let body = messagePackCompletion(encoded)
        for answer in [body, lengthPrefixed(body)] {
            #expect(UpstreamAnswer.outcome(status: 200, body: answer, contentType: "application/x-msgpack", kind: .messagepack) == .result(value))
        }
    }

    @Test("A long MessagePack answer, whose length takes two bytes, is read whole")
    func longMessagePack() {
        let text = String(repeating: "x", count: 300)
        let body = messagePackCompletion([0xDA, 0x01, 0x2C] + Array(text.utf8))
        #expect(UpstreamAnswer.outcome(status: 200, body: lengthPrefixed(body), contentType: nil, kind: .messagepack) == .result(.string(text)))
    }

    @Test("An error completion reaches the caller as an error, in both protocols")
    func errorCompletions() {
        let json = Array(#"{"type":3,"invocationId":"1","error":"boom"}"#.utf8) + [0x1E]
        #expect(UpstreamAnswer.outcome(status: 200, body: json, contentType: "application/json", kind: .json) == .error("boom"))
        let messagePack: [UInt8] = [0x95, 0x03, 0x80, 0xA1, 0x31, 0x01, 0xA4] + Array("boom".utf8)
        #expect(UpstreamAnswer.outcome(status: 200, body: lengthPrefixed(messagePack), contentType: nil, kind: .messagepack) == .error("boom"))
    }

    @Test("An empty 200 and a 204 complete without a result")
    func voidAnswers() {
        #expect(UpstreamAnswer.outcome(status: 200, body: [], contentType: nil, kind: .json) == .void)
        #expect(UpstreamAnswer.outcome(status: 204, body: [], contentType: nil, kind: .messagepack) == .void)
        let void = Array(#"{"type":3,"invocationId":"1"}"#.utf8) + [0x1E]
        #expect(UpstreamAnswer.outcome(status: 200, body: void, contentType: nil, kind: .json) == .void)
    }

    @Test("An answer in the other protocol than the caller's is still understood")
    func otherProtocol() {
        let body = lengthPrefixed(messagePackCompletion([0x07]))
        #expect(UpstreamAnswer.outcome(status: 200, body: body, contentType: "application/x-msgpack", kind: .json) == .result(.int(7)))
        #expect(UpstreamAnswer.outcome(status: 200, body: jsonCompletion("7"), contentType: "application/json", kind: .messagepack) == .result(.int(7)))
    }

    @Test("Garbage and other messages become an error that shows what was received")
    func garbage() {
        guard case .error(let text) = UpstreamAnswer.outcome(status: 200, body: Array("<html>oops</html>".utf8), contentType: "text/html", kind: .json) else {
            Issue.record("garbage was accepted")
            return
        }
        #expect(text.contains("not a completion message"))
        #expect(text.contains("\"<html>oops</html>\""))
        #expect(text.contains("Content-Type text/html"))
        guard case .error(let binary) = UpstreamAnswer.outcome(status: 200, body: [0xFF, 0x00, 0x1F], contentType: nil, kind: .messagepack) else {
            Issue.record("binary garbage was accepted")
            return
        }
        #expect(binary.contains("3 bytes ff 00 1f"))
        let ping = Array(#"{"type":6}"#.utf8) + [0x1E]
        guard case .error(let other) = UpstreamAnswer.outcome(status: 200, body: ping, contentType: nil, kind: .json) else {
            Issue.record("a ping was taken for a completion")
            return
        }
        #expect(other.contains("type 6"))
    }
}
