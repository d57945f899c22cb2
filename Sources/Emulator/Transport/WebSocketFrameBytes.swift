import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames as bytes (RFC 6455 §5.2).
///
/// A server's frames are never masked, so one encoded frame can be written to every client
/// of a broadcast: the emulator encodes a message once and shares the buffer.
enum WebSocketFrameBytes {
    /// A final frame carrying `payload`.
    static func frame(_ opcode: WebSocketOpcode, payload: ByteBuffer) -> ByteBuffer {
        var payload = payload
        var frame = ByteBuffer()
        frame.reserveCapacity(payload.readableBytes + 10)
        frame.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        let length = payload.readableBytes
        switch length {
        case ..<126:
            frame.writeInteger(UInt8(length))
        case ..<65536:
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
        frame.writeBuffer(&payload)
        return frame
    }

    /// The frame a hub protocol's records travel in: text for JSON, binary for MessagePack.
    static func message(_ payload: ByteBuffer, binary: Bool) -> ByteBuffer {
        frame(binary ? .binary : .text, payload: payload)
    }

    /// A Close frame with a status code and a short reason.
    static func close(_ code: WebSocketErrorCode, reason: String = "") -> ByteBuffer {
        var payload = ByteBuffer()
        payload.write(webSocketErrorCode: code)
        payload.writeString(String(reason.utf8.prefix(123)) ?? "")
        return frame(.connectionClose, payload: payload)
    }
}
