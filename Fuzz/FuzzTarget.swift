// libFuzzer entry point over the emulator's parsers of untrusted input: hub frames (JSON and
// MessagePack framing and messages), the handshake, REST bodies, access tokens, upstream answers,
// the OData filters of `:execute`, and the service protocol of app servers' connections.
// Built and run by scripts/fuzz; not part of the package or of CI.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    // The first byte picks how the rest is cut into reads, so framing across reads is explored.
    let cut = bytes.first.map { Int($0) % 17 + 1 } ?? 1
    let payload = Array(bytes.dropFirst())
    for kind in HubProtocolKind.allCases {
        var decoder = HubFrameDecoder(maximumMessageSize: 1 << 16)
        decoder.kind = kind
        var offset = 0
        while offset < payload.count {
            decoder.append(payload[offset..<min(payload.count, offset + cut)])
            offset += cut
            while let record = try? decoder.nextRecord() {
                if let message = try? kind.decodeBody(record) {
                    // Whatever parses must encode to bytes that parse and encode the same again.
                    let encoded = kind.encodeBody(message)
                    guard let reparsed = try? kind.decodeBody(encoded) else { fatalError("re-encoded \(kind) message does not parse") }
                    precondition(kind.encodeBody(reparsed) == encoded, "encoding a \(kind) message is not stable")
                }
            }
        }
    }
    // Service-protocol records, cut into reads the same way: what parses must encode to bytes
    // that parse and encode the same again.
    var serviceFrames = HubFrameDecoder(maximumMessageSize: 1 << 16)
    serviceFrames.kind = .messagepack
    var serviceOffset = 0
    while serviceOffset < payload.count {
        serviceFrames.append(payload[serviceOffset..<min(payload.count, serviceOffset + cut)])
        serviceOffset += cut
        while let record = try? serviceFrames.nextRecord() {
            guard let message = try? ServiceMessage(record: record) else { continue }
            guard let reparsed = try? ServiceMessage(record: message.record) else { fatalError("re-encoded service message does not parse") }
            precondition(reparsed.record == message.record, "encoding a service message is not stable")
        }
    }
    _ = try? HandshakeRequest(json: payload)
    _ = try? JSONCodec.decode(payload)
    _ = try? MessagePackCodec.decode(payload)
    let text = String(decoding: payload, as: UTF8.self)
    _ = try? JWTParts(text)
    for kind in HubProtocolKind.allCases {
        _ = UpstreamAnswer.outcome(status: 200, body: payload, contentType: nil, kind: kind)
    }
    if let filter = try? ConnectionFilter(text) {
        _ = filter.matches(.init(userID: "user", connectionID: "c1", groups: ["group"]))
        _ = filter.matches(.init(userID: nil, connectionID: "c2", groups: []))
    }
    return 0
}
