import Foundation
import Testing

@testable import Emulator

@Suite("Base64")
struct Base64Tests {
    /// Bytes of every length up to 40, checked against Foundation's encoder as the oracle.
    static let samples: [[UInt8]] = (0...40).map { length in (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ length) } }

    @Test("Standard base64 matches Foundation's, padding included")
    func standard() {
        for bytes in Self.samples {
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
        }
    }

    @Test("Base64url is Foundation's base64 with - and _ and no padding, and decodes back")
    func urlRoundTrip() {
        for bytes in Self.samples {
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected)
            #expect(Base64URL.decode(expected) == bytes)
        }
    }

    @Test("Base64url refuses padding, other alphabets and impossible lengths", arguments: ["QQ==", "a+b/", "ab$d", "abcde", "é", "A"])
    func refusals(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}
