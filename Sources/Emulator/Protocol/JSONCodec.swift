/// A strict JSON reader and writer over bytes, for hub messages and REST bodies.
///
/// Written for the emulator rather than taken from Foundation so that numbers keep their kind
/// (1 stays an integer, true stays a boolean), nesting is bounded, and every malformed input is
/// a ``ProtocolError`` (the fuzz target runs it on arbitrary bytes).
public enum JSONCodec {
    /// The deepest nesting accepted.
    public static let maximumDepth = 64

    /// Parses one JSON value that fills `bytes` (whitespace aside).
    public static func decode(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> HubValue {
        var reader = Reader(bytes: Array(bytes))
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw ProtocolError("unexpected data after the JSON value") }
        return value
    }

    /// Writes `value` as compact JSON. Binary becomes base64 (as the JSON hub protocol does);
    /// non-string map keys are written as their JSON text in a string.
    public static func encode(_ value: HubValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        write(value, to: &output)
        return output
    }

    /// Appends `value` to `output`.
    public static func write(_ value: HubValue, to output: inout [UInt8]) {
        switch value {
        case .null: output += Array("null".utf8)
        case .bool(let flag): output += Array((flag ? "true" : "false").utf8)
        case .int(let number): output += Array(String(number).utf8)
        case .uint(let number): output += Array(String(number).utf8)
        case .double(let number):
            if number.isFinite {
                if number.rounded() == number, abs(number) < 1e15 { output += Array(String(Int64(number)).utf8) }
                else { output += Array("\(number)".utf8) }
            } else {
                output += Array("null".utf8)
            }
        case .string(let text): writeString(text, to: &output)
        case .binary(let bytes): writeString(Base64.encode(bytes), to: &output)
        case .extension(_, let bytes): writeString(Base64.encode(bytes), to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .map(let pairs):
            output.append(UInt8(ascii: "{"))
            for (index, pair) in pairs.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                if case .string(let key) = pair.key {
                    writeString(key, to: &output)
                } else {
                    writeString(String(decoding: encode(pair.key), as: UTF8.self), to: &output)
                }
                output.append(UInt8(ascii: ":"))
                write(pair.value, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func value(depth: Int) throws(ProtocolError) -> HubValue {
            guard depth < JSONCodec.maximumDepth else { throw ProtocolError("JSON nested too deeply") }
            guard index < bytes.count else { throw ProtocolError("unexpected end of JSON") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw ProtocolError("unexpected character in JSON at offset \(index)")
            }
        }

        mutating func literal(_ word: String) throws(ProtocolError) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else {
                throw ProtocolError("invalid literal in JSON at offset \(index)")
            }
            index += expected.count
        }

        mutating func object(depth: Int) throws(ProtocolError) -> HubValue {
            index += 1
            var pairs: [HubPair] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .map(pairs) }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw ProtocolError("expected a string key in JSON object") }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw ProtocolError("expected ':' in JSON object") }
                index += 1
                skipWhitespace()
                pairs.append(HubPair(.string(key), try value(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw ProtocolError("unexpected end of JSON object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .map(pairs) }
                throw ProtocolError("expected ',' or '}' in JSON object")
            }
        }

        mutating func array(depth: Int) throws(ProtocolError) -> HubValue {
            index += 1
            var elements: [HubValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw ProtocolError("unexpected end of JSON array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw ProtocolError("expected ',' or ']' in JSON array")
            }
        }

        mutating func string() throws(ProtocolError) -> String {
            index += 1
            var scalars: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: scalars, as: UTF8.self) else { throw ProtocolError("invalid UTF-8 in JSON string") }
                    return text
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw ProtocolError("unterminated escape in JSON string") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append(0x22)
                    case UInt8(ascii: "\\"): scalars.append(0x5C)
                    case UInt8(ascii: "/"): scalars.append(0x2F)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw ProtocolError("unpaired surrogate in JSON string")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw ProtocolError("unpaired surrogate in JSON string") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(code) {
                            throw ProtocolError("unpaired surrogate in JSON string")
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw ProtocolError("invalid \\u escape") }
                        scalars += Array(String(Character(scalar)).utf8)
                    default:
                        throw ProtocolError("invalid escape in JSON string")
                    }
                case 0..<0x20:
                    throw ProtocolError("control character in JSON string")
                default:
                    scalars.append(byte)
                }
            }
            throw ProtocolError("unterminated JSON string")
        }

        mutating func hex4() throws(ProtocolError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw ProtocolError("short \\u escape") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw ProtocolError("invalid \\u escape")
                }
                code = code << 4 | UInt32(digit)
            }
            return code
        }

        mutating func number() throws(ProtocolError) -> HubValue {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            var isInteger = true
            func digits() -> Int {
                let begin = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                return index - begin
            }
            guard digits() > 0 else { throw ProtocolError("invalid number in JSON") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                guard digits() > 0 else { throw ProtocolError("invalid number in JSON") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw ProtocolError("invalid number in JSON") }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger {
                if let value = Int64(text) { return .int(value) }
                if let value = UInt64(text) { return .uint(value) }
            }
            guard let value = Double(text) else { throw ProtocolError("invalid number in JSON") }
            return .double(value)
        }
    }
}
