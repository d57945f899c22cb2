/// A MessagePack reader and writer (https://github.com/msgpack/msgpack/blob/master/spec.md)
/// for the MessagePack hub protocol.
///
/// No Swift MessagePack package is available on the build machine, so this is a small,
/// complete codec: every format family, nesting bounded, every malformed input a
/// ``ProtocolError``.
public enum MessagePackCodec {
    /// The deepest nesting accepted.
    public static let maximumDepth = 64

    /// Reads one value from the start of `bytes`; returns it and the bytes it used.
    public static func decode(_ bytes: [UInt8], from start: Int = 0) throws(ProtocolError) -> (HubValue, Int) {
        var reader = Reader(bytes: bytes, index: start)
        let value = try reader.value(depth: 0)
        return (value, reader.index - start)
    }

    /// Reads exactly one value filling `bytes`.
    public static func decodeWhole(_ bytes: [UInt8]) throws(ProtocolError) -> HubValue {
        let (value, used) = try decode(bytes)
        guard used == bytes.count else { throw ProtocolError("unexpected data after the MessagePack value") }
        return value
    }

    /// Writes `value` in the smallest format that holds it.
    public static func encode(_ value: HubValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, to: &output)
        return output
    }

    /// Appends `value` to `output`.
    public static func write(_ value: HubValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(0xC0)
        case .bool(let flag): output.append(flag ? 0xC3 : 0xC2)
        case .int(let number): writeInteger(number, to: &output)
        case .uint(let number):
            if number <= UInt64(Int64.max) { writeInteger(Int64(number), to: &output) }
            else { output.append(0xCF); appendBigEndian(number, bytes: 8, to: &output) }
        case .double(let number):
            output.append(0xCB)
            appendBigEndian(number.bitPattern, bytes: 8, to: &output)
        case .string(let text):
            let utf8 = Array(text.utf8)
            writeHeader(count: utf8.count, fix: (0xA0, 31), codes: (0xD9, 0xDA, 0xDB), to: &output)
            output += utf8
        case .binary(let bytes):
            writeHeader(count: bytes.count, fix: nil, codes: (0xC4, 0xC5, 0xC6), to: &output)
            output += bytes
        case .array(let elements):
            writeHeader(count: elements.count, fix: (0x90, 15), codes: (nil, 0xDC, 0xDD), to: &output)
            for element in elements { write(element, to: &output) }
        case .map(let pairs):
            writeHeader(count: pairs.count, fix: (0x80, 15), codes: (nil, 0xDE, 0xDF), to: &output)
            for pair in pairs {
                write(pair.key, to: &output)
                write(pair.value, to: &output)
            }
        case .extension(let type, let data):
            switch data.count {
            case 1: output.append(0xD4)
            case 2: output.append(0xD5)
            case 4: output.append(0xD6)
            case 8: output.append(0xD7)
            case 16: output.append(0xD8)
            default: writeHeader(count: data.count, fix: nil, codes: (0xC7, 0xC8, 0xC9), to: &output)
            }
            output.append(UInt8(bitPattern: type))
            output += data
        }
    }

    private static func writeInteger(_ number: Int64, to output: inout [UInt8]) {
        switch number {
        case 0...127: output.append(UInt8(number))
        case -32..<0: output.append(UInt8(bitPattern: Int8(number)))
        case 128...0xFF: output += [0xCC, UInt8(number)]
        case 0x100...0xFFFF: output.append(0xCD); appendBigEndian(UInt64(number), bytes: 2, to: &output)
        case 0x10000...0xFFFF_FFFF: output.append(0xCE); appendBigEndian(UInt64(number), bytes: 4, to: &output)
        case Int64(Int8.min)..<(-32): output += [0xD0, UInt8(bitPattern: Int8(number))]
        case Int64(Int16.min)..<Int64(Int8.min): output.append(0xD1); appendBigEndian(UInt64(UInt16(bitPattern: Int16(number))), bytes: 2, to: &output)
        case Int64(Int32.min)..<Int64(Int16.min): output.append(0xD2); appendBigEndian(UInt64(UInt32(bitPattern: Int32(number))), bytes: 4, to: &output)
        case 0x1_0000_0000...: output.append(0xCF); appendBigEndian(UInt64(number), bytes: 8, to: &output)
        default: output.append(0xD3); appendBigEndian(UInt64(bitPattern: number), bytes: 8, to: &output)
        }
    }

    private static func writeHeader(count: Int, fix: (base: UInt8, max: Int)?, codes: (UInt8?, UInt8, UInt8), to output: inout [UInt8]) {
        if let fix, count <= fix.max {
            output.append(fix.base | UInt8(count))
        } else if let code8 = codes.0, count <= 0xFF {
            output += [code8, UInt8(count)]
        } else if count <= 0xFFFF {
            output.append(codes.1)
            appendBigEndian(UInt64(count), bytes: 2, to: &output)
        } else {
            output.append(codes.2)
            appendBigEndian(UInt64(count), bytes: 4, to: &output)
        }
    }

    private static func appendBigEndian(_ value: UInt64, bytes count: Int, to output: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
            output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var index: Int

        mutating func byte() throws(ProtocolError) -> UInt8 {
            guard index < bytes.count else { throw ProtocolError("MessagePack data ends early") }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func bigEndian(_ count: Int) throws(ProtocolError) -> UInt64 {
            guard count <= bytes.count - index else { throw ProtocolError("MessagePack data ends early") }
            var value: UInt64 = 0
            for offset in 0..<count { value = value << 8 | UInt64(bytes[index + offset]) }
            index += count
            return value
        }

        mutating func take(_ count: Int) throws(ProtocolError) -> [UInt8] {
            guard count >= 0, count <= bytes.count - index else { throw ProtocolError("MessagePack length exceeds the data") }
            defer { index += count }
            return Array(bytes[index..<(index + count)])
        }

        mutating func text(_ count: Int) throws(ProtocolError) -> HubValue {
            guard let text = String(validating: try take(count), as: UTF8.self) else { throw ProtocolError("invalid UTF-8 in MessagePack string") }
            return .string(text)
        }

        mutating func elements(_ count: Int, depth: Int) throws(ProtocolError) -> HubValue {
            // Each element takes at least one byte: a count beyond the data is malformed, and
            // refusing it early keeps a forged header from reserving memory.
            guard count <= bytes.count - index else { throw ProtocolError("MessagePack array longer than the data") }
            var elements: [HubValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try value(depth: depth + 1)) }
            return .array(elements)
        }

        mutating func pairs(_ count: Int, depth: Int) throws(ProtocolError) -> HubValue {
            guard count <= (bytes.count - index) / 2 else { throw ProtocolError("MessagePack map longer than the data") }
            var pairs: [HubPair] = []
            pairs.reserveCapacity(count)
            for _ in 0..<count {
                let key = try value(depth: depth + 1)
                pairs.append(HubPair(key, try value(depth: depth + 1)))
            }
            return .map(pairs)
        }

        mutating func extensionValue(_ count: Int) throws(ProtocolError) -> HubValue {
            let type = Int8(bitPattern: try byte())
            return .extension(type, try take(count))
        }

        mutating func value(depth: Int) throws(ProtocolError) -> HubValue {
            guard depth < MessagePackCodec.maximumDepth else { throw ProtocolError("MessagePack nested too deeply") }
            let code = try byte()
            switch code {
            case 0x00...0x7F: return .int(Int64(code))
            case 0x80...0x8F: return try pairs(Int(code & 0x0F), depth: depth)
            case 0x90...0x9F: return try elements(Int(code & 0x0F), depth: depth)
            case 0xA0...0xBF: return try text(Int(code & 0x1F))
            case 0xC0: return .null
            case 0xC2: return .bool(false)
            case 0xC3: return .bool(true)
            case 0xC4: return .binary(try take(Int(try bigEndian(1))))
            case 0xC5: return .binary(try take(Int(try bigEndian(2))))
            case 0xC6: return .binary(try take(Int(try bigEndian(4))))
            case 0xC7: return try extensionValue(Int(try bigEndian(1)))
            case 0xC8: return try extensionValue(Int(try bigEndian(2)))
            case 0xC9: return try extensionValue(Int(try bigEndian(4)))
            case 0xCA: return .double(Double(Float(bitPattern: UInt32(try bigEndian(4)))))
            case 0xCB: return .double(Double(bitPattern: try bigEndian(8)))
            case 0xCC: return .int(Int64(try bigEndian(1)))
            case 0xCD: return .int(Int64(try bigEndian(2)))
            case 0xCE: return .int(Int64(try bigEndian(4)))
            case 0xCF:
                let value = try bigEndian(8)
                return value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
            case 0xD0: return .int(Int64(Int8(truncatingIfNeeded: try bigEndian(1))))
            case 0xD1: return .int(Int64(Int16(truncatingIfNeeded: try bigEndian(2))))
            case 0xD2: return .int(Int64(Int32(truncatingIfNeeded: try bigEndian(4))))
            case 0xD3: return .int(Int64(bitPattern: try bigEndian(8)))
            case 0xD4: return try extensionValue(1)
            case 0xD5: return try extensionValue(2)
            case 0xD6: return try extensionValue(4)
            case 0xD7: return try extensionValue(8)
            case 0xD8: return try extensionValue(16)
            case 0xD9: return try text(Int(try bigEndian(1)))
            case 0xDA: return try text(Int(try bigEndian(2)))
            case 0xDB: return try text(Int(try bigEndian(4)))
            case 0xDC: return try elements(Int(try bigEndian(2)), depth: depth)
            case 0xDD: return try elements(Int(try bigEndian(4)), depth: depth)
            case 0xDE: return try pairs(Int(try bigEndian(2)), depth: depth)
            case 0xDF: return try pairs(Int(try bigEndian(4)), depth: depth)
            case 0xE0...0xFF: return .int(Int64(Int8(bitPattern: code)))
            default: throw ProtocolError("invalid MessagePack type byte 0xC1")
            }
        }
    }
}
