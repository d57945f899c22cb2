/// The MessagePack hub protocol: each message a MessagePack array, prefixed by its length as a
/// variable-length integer (7 bits a byte, least significant first, at most 5 bytes).
public enum MessagePackHubProtocol {
    /// Prefixes `body` with its length.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        var prefix: [UInt8] = []
        var length = body.count
        repeat {
            var byte = UInt8(length & 0x7F)
            length >>= 7
            if length > 0 { byte |= 0x80 }
            prefix.append(byte)
        } while length > 0
        return prefix + body
    }

    /// The length prefix at `start`: the length and the prefix's size, or nil if incomplete.
    public static func readLength(_ bytes: [UInt8], from start: Int) throws(ProtocolError) -> (length: Int, prefixSize: Int)? {
        var length = 0
        var index = start
        var shift = 0
        while index < bytes.count {
            let byte = bytes[index]
            length |= Int(byte & 0x7F) << shift
            index += 1
            if byte & 0x80 == 0 { return (length, index - start) }
            shift += 7
            if shift >= 35 { throw ProtocolError("message length prefix longer than 5 bytes") }
        }
        return nil
    }

    /// Encodes a message as a MessagePack array (without the length prefix).
    public static func encode(_ message: HubMessage) -> [UInt8] {
        func headers(_ values: [String: String]) -> HubValue {
            .map(values.sorted { $0.key < $1.key }.map { HubPair(.string($0.key), .string($0.value)) })
        }
        let type = HubValue.int(Int64(message.type))
        let array: [HubValue]
        switch message {
        case .invocation(let invocation), .streamInvocation(let invocation):
            // Always six elements: ASP.NET Core reads five or six, but some clients (signalrcore)
            // index the stream ids unconditionally.
            array = [type, headers(invocation.headers), invocation.invocationID.map { .string($0) } ?? .null,
                     .string(invocation.target), .array(invocation.arguments), .array(invocation.streamIDs.map { .string($0) })]
        case .streamItem(let id, let item):
            array = [type, .map([]), .string(id), item]
        case .completion(let completion):
            let prefix: [HubValue] = [type, headers(completion.headers), .string(completion.invocationID)]
            switch completion.outcome {
            case .error(let error): array = prefix + [.int(1), .string(error)]
            case .void: array = prefix + [.int(2)]
            case .result(let value): array = prefix + [.int(3), value]
            }
        case .cancelInvocation(let id):
            array = [type, .map([]), .string(id)]
        case .ping:
            array = [type]
        case .close(let error, let allowReconnect):
            array = [type, error.map { .string($0) } ?? .null, .bool(allowReconnect)]
        case .ack(let id), .sequence(let id):
            array = [type, .int(id)]
        }
        return MessagePackCodec.encode(.array(array))
    }

    /// Decodes one message (without the length prefix).
    public static func decode(_ bytes: [UInt8]) throws(ProtocolError) -> HubMessage {
        guard case .array(let elements) = try MessagePackCodec.decodeWhole(bytes), let type = elements.first?.integer else {
            throw ProtocolError("a message must be a MessagePack array starting with its type")
        }
        func element(_ index: Int) throws(ProtocolError) -> HubValue {
            guard index < elements.count else { throw ProtocolError("message type \(type) has too few elements") }
            return elements[index]
        }
        func string(_ index: Int) throws(ProtocolError) -> String {
            guard let text = try element(index).string else { throw ProtocolError("element \(index) of message type \(type) must be a string") }
            return text
        }
        func headers() throws(ProtocolError) -> [String: String] {
            guard case .map(let pairs) = try element(1) else { throw ProtocolError("message headers must be a map") }
            var result: [String: String] = [:]
            for pair in pairs { if let key = pair.key.string, let text = pair.value.string { result[key] = text } }
            return result
        }
        func invocation() throws(ProtocolError) -> Invocation {
            let id: String?
            switch try element(2) {
            case .null: id = nil
            case .string(let text): id = text
            default: throw ProtocolError("the invocation id must be a string or nil")
            }
            guard let arguments = try element(4).array else { throw ProtocolError("the arguments must be an array") }
            let streams = elements.count > 5 ? (elements[5].array?.compactMap(\.string) ?? []) : []
            return Invocation(invocationID: id, target: try string(3), arguments: arguments, streamIDs: streams, headers: try headers())
        }
        switch type {
        case 1: return .invocation(try invocation())
        case 2:
            _ = try headers()
            return .streamItem(invocationID: try string(2), item: try element(3))
        case 3:
            let headers = try headers()
            let id = try string(2)
            switch try element(3).integer {
            case 1: return .completion(Completion(invocationID: id, outcome: .error(try string(4)), headers: headers))
            case 2: return .completion(Completion(invocationID: id, outcome: .void, headers: headers))
            case 3: return .completion(Completion(invocationID: id, outcome: .result(try element(4)), headers: headers))
            default: throw ProtocolError("unknown completion result kind")
            }
        case 4: return .streamInvocation(try invocation())
        case 5:
            _ = try headers()
            return .cancelInvocation(invocationID: try string(2))
        case 6: return .ping
        case 7:
            let error = elements.count > 1 ? elements[1].string : nil
            let allow: Bool
            if elements.count > 2, case .bool(let flag) = elements[2] { allow = flag } else { allow = false }
            return .close(error: error, allowReconnect: allow)
        case 8, 9:
            guard let id = try element(1).integer else { throw ProtocolError("element 1 of message type \(type) must be an integer") }
            return type == 8 ? .ack(sequenceID: id) : .sequence(sequenceID: id)
        default: throw ProtocolError("unknown message type \(type)")
        }
    }
}
