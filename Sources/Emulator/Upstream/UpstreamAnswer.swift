/// Reads what an upstream answered to a client invocation into the completion the client gets.
///
/// Upstreams answer in more than one shape. A hand-written app usually sends the completion
/// message alone; the Azure Functions SignalR extension (a class-based `ServerlessHub`, or a
/// `[SignalRTrigger]` function that returns a value) sends it as the hub protocol writes it on a
/// transport: JSON followed by the 0x1E record separator, MessagePack preceded by its length.
/// Both are accepted, in either protocol whatever the client speaks: the result is a `HubValue`
/// and is written again in the client's own protocol.
enum UpstreamAnswer {
    /// The completion for a 2xx answer with `body`, sent with `contentType`, to an invocation
    /// sent in `kind`.
    static func outcome(status: Int, body: [UInt8], contentType: String?, kind: HubProtocolKind) -> Completion.Outcome {
        if body.isEmpty || status == 204 { return .void }
        // The protocol the content type names (else the caller's) first, then the other, each once.
        let first = declaredKind(contentType) ?? kind
        for candidate in [first] + HubProtocolKind.allCases.filter({ $0 != first }) {
            if let message = decode(body, as: candidate) {
                guard case .completion(let completion) = message else {
                    return .error("The upstream answered \(status) with a message of type \(message.type), not a completion (type 3) (\(describe(body, contentType: contentType))).")
                }
                return completion.outcome
            }
        }
        return .error("The upstream answered \(status) with a body that is not a completion message (\(describe(body, contentType: contentType))).")
    }

    /// The protocol a content type names, if it names one.
    static func declaredKind(_ contentType: String?) -> HubProtocolKind? {
        guard let contentType = contentType?.lowercased() else { return nil }
        if contentType.contains("msgpack") || contentType.contains("messagepack") { return .messagepack }
        if contentType.contains("json") { return .json }
        return nil
    }

    /// One message in `kind`, framed as a transport carries it or not.
    static func decode(_ body: [UInt8], as kind: HubProtocolKind) -> HubMessage? {
        switch kind {
        case .json:
            var record = body[...]
            while let last = record.last, last == JSONHubProtocol.recordSeparator || last == 0x0A || last == 0x0D || last == 0x20 {
                record = record.dropLast()
            }
            return try? kind.decodeBody(Array(record))
        case .messagepack:
            if let (length, prefix) = try? MessagePackHubProtocol.readLength(body, from: 0), prefix + length == body.count,
               let message = try? kind.decodeBody(Array(body[prefix...])) {
                return message
            }
            return try? kind.decodeBody(body)
        }
    }

    /// What was received, for an error a person can act on: the first bytes and the content type.
    static func describe(_ body: [UInt8], contentType: String?) -> String {
        let shown = body.prefix(32)
        let printable = shown.allSatisfy { (0x20..<0x7F).contains($0) || $0 == 0x1E || $0 == 0x0A }
        let bytes = printable
            ? "\"" + shown.map { $0 == 0x1E ? "\\u001e" : $0 == 0x0A ? "\\n" : String(UnicodeScalar($0)) }.joined() + "\""
            : shown.map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        let more = body.count > shown.count ? "…" : ""
        return "\(body.count) bytes \(bytes)\(more), Content-Type \(contentType ?? "none")"
    }
}
