/// The JSON hub protocol: one JSON object a message, each followed by 0x1E.
public enum JSONHubProtocol {
    /// The record separator that ends each message.
    public static let recordSeparator: UInt8 = 0x1E

    /// Encodes a message as JSON (without the separator).
    public static func encode(_ message: HubMessage) -> [UInt8] {
        var pairs: [HubPair] = [HubPair(.string("type"), .int(Int64(message.type)))]
        func add(_ key: String, _ value: HubValue) { pairs.append(HubPair(.string(key), value)) }
        func addHeaders(_ headers: [String: String]) {
            guard !headers.isEmpty else { return }
            add("headers", .map(headers.sorted { $0.key < $1.key }.map { HubPair(.string($0.key), .string($0.value)) }))
        }
        switch message {
        case .invocation(let invocation), .streamInvocation(let invocation):
            addHeaders(invocation.headers)
            if let id = invocation.invocationID { add("invocationId", .string(id)) }
            add("target", .string(invocation.target))
            add("arguments", .array(invocation.arguments))
            if !invocation.streamIDs.isEmpty { add("streamIds", .array(invocation.streamIDs.map { .string($0) })) }
        case .streamItem(let id, let item):
            add("invocationId", .string(id))
            add("item", item)
        case .completion(let completion):
            addHeaders(completion.headers)
            add("invocationId", .string(completion.invocationID))
            switch completion.outcome {
            case .void: break
            case .result(let value): add("result", value)
            case .error(let error): add("error", .string(error))
            }
        case .cancelInvocation(let id):
            add("invocationId", .string(id))
        case .ping:
            break
        case .close(let error, let allowReconnect):
            if let error { add("error", .string(error)) }
            if allowReconnect { add("allowReconnect", .bool(true)) }
        case .ack(let id), .sequence(let id):
            add("sequenceId", .int(id))
        }
        return JSONCodec.encode(.map(pairs))
    }

    /// Decodes one JSON message (without the separator).
    public static func decode(_ bytes: [UInt8]) throws(ProtocolError) -> HubMessage {
        let value = try JSONCodec.decode(bytes)
        guard case .map = value else { throw ProtocolError("a message must be a JSON object") }
        guard let type = value["type"]?.integer else { throw ProtocolError("the message has no 'type'") }
        func requiredString(_ key: String) throws(ProtocolError) -> String {
            guard let text = value[key]?.string else { throw ProtocolError("message type \(type) needs a string '\(key)'") }
            return text
        }
        func headers() -> [String: String] {
            guard case .map(let pairs)? = value["headers"] else { return [:] }
            var result: [String: String] = [:]
            for pair in pairs { if let key = pair.key.string, let text = pair.value.string { result[key] = text } }
            return result
        }
        func invocation() throws(ProtocolError) -> Invocation {
            let id: String?
            switch value["invocationId"] {
            case nil, .null?: id = nil
            case .string(let text)?: id = text
            default: throw ProtocolError("'invocationId' must be a string")
            }
            guard let arguments = (value["arguments"] ?? .array([])).array else { throw ProtocolError("'arguments' must be an array") }
            let streams = value["streamIds"]?.array?.compactMap(\.string) ?? []
            return Invocation(invocationID: id, target: try requiredString("target"), arguments: arguments, streamIDs: streams, headers: headers())
        }
        switch type {
        case 1: return .invocation(try invocation())
        case 2: return .streamItem(invocationID: try requiredString("invocationId"), item: value["item"] ?? .null)
        case 3:
            let id = try requiredString("invocationId")
            if let error = value["error"] {
                guard let text = error.string else { throw ProtocolError("'error' must be a string") }
                return .completion(Completion(invocationID: id, outcome: .error(text), headers: headers()))
            }
            if let result = value["result"] { return .completion(Completion(invocationID: id, outcome: .result(result), headers: headers())) }
            return .completion(Completion(invocationID: id, outcome: .void, headers: headers()))
        case 4: return .streamInvocation(try invocation())
        case 5: return .cancelInvocation(invocationID: try requiredString("invocationId"))
        case 6: return .ping
        case 7:
            let error = value["error"]?.string
            if case .bool(let allow)? = value["allowReconnect"] { return .close(error: error, allowReconnect: allow) }
            return .close(error: error, allowReconnect: false)
        case 8, 9:
            guard let id = value["sequenceId"]?.integer else { throw ProtocolError("message type \(type) needs an integer 'sequenceId'") }
            return type == 8 ? .ack(sequenceID: id) : .sequence(sequenceID: id)
        default: throw ProtocolError("unknown message type \(type)")
        }
    }
}
