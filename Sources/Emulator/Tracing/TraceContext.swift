/// A position in a trace, as W3C Trace Context's `traceparent` carries it: the trace, the span
/// that is the parent of what comes next, and whether it is sampled.
struct TraceContext: Sendable, Equatable {
    /// 16 bytes.
    var traceID: [UInt8]
    /// 8 bytes.
    var spanID: [UInt8]
    var sampled = true

    /// The context of the code running now (a span's, while its body runs).
    @TaskLocal static var current: TraceContext?

    /// A new trace's first span.
    static func root() -> TraceContext {
        TraceContext(traceID: Self.random(16), spanID: Self.random(8))
    }

    /// A new span in the same trace.
    func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.random(8), sampled: sampled)
    }

    /// `00-<trace id>-<span id>-<flags>`, lowercase hex.
    var traceparent: String {
        "00-\(Self.hex(traceID))-\(Self.hex(spanID))-\(sampled ? "01" : "00")"
    }

    /// A `traceparent` header's context; nil for one that is malformed or all zeros, which the
    /// specification says to ignore (a new trace starts instead).
    init?(traceparent: String) {
        let parts = traceparent.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", let version = UInt8(parts[0], radix: 16),
              version == 0 ? parts.count == 4 : true,
              let trace = Self.bytes(parts[1], count: 16), let span = Self.bytes(parts[2], count: 8),
              let flags = Self.bytes(parts[3], count: 1),
              trace.contains(where: { $0 != 0 }), span.contains(where: { $0 != 0 }) else { return nil }
        self.init(traceID: trace, spanID: span, sampled: flags[0] & 1 == 1)
    }

    init(traceID: [UInt8], spanID: [UInt8], sampled: Bool = true) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func bytes(_ text: Substring, count: Int) -> [UInt8]? {
        guard text.count == count * 2, text.allSatisfy(\.isHexDigit), text == text.lowercased() else { return nil }
        var result: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            result.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    private static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        while true {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.contains(where: { $0 != 0 }) { return bytes }
        }
    }
}
