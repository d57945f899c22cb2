@testable import Emulator
import Testing

/// Service-protocol messages byte for byte. Each expected layout was written by hand from
/// `ServiceProtocol.cs` of Azure/azure-signalr (the `Write…Message` methods for what the SDK
/// writes, the `Create…Message` methods for the shorter forms older SDKs send), not from the
/// emulator's code: the array header, the type, each field in order, the extension members.
@Suite("Service protocol")
struct ServiceProtocolTests {
    /// Bytes from hex pairs, with `'text'` for the raw UTF-8 of a string (its header written apart).
    static func bytes(_ layout: String) -> [UInt8] {
        var result: [UInt8] = []
        var rest = Substring(layout)
        while let first = rest.first {
            if first == " " {
                rest = rest.dropFirst()
            } else if first == "'" {
                let end = rest.dropFirst().firstIndex(of: "'")!
                result += Array(rest[rest.index(after: rest.startIndex)..<end].utf8)
                rest = rest[rest.index(after: end)...]
            } else {
                result.append(UInt8(rest.prefix(2), radix: 16)!)
                rest = rest.dropFirst(2)
            }
        }
        return result
    }

    /// Messages as the SDK or the service writes them, with every field present.
    static let written: [(String, ServiceMessage, String)] = [
        ("HandshakeRequest of SDK 1.x", .handshakeRequest(version: 1, connectionType: 0, target: "", migrationLevel: 0, .none),
         "96 01 01 00 a0 00 80"),
        ("HandshakeRequest of an on-demand connection", .handshakeRequest(version: 1, connectionType: 1, target: "t", migrationLevel: 1, .none),
         "96 01 01 01 a1 't' 01 80"),
        ("HandshakeResponse accepting", .handshakeResponse(error: "", .none), "93 02 a0 80"),
        ("HandshakeResponse refusing", .handshakeResponse(error: "bad", .none), "93 02 a3 'bad' 80"),
        ("Ping, bare", .ping([]), "91 03"),
        ("Ping with a key and value", .ping(["echo", "x"]), "93 03 a4 'echo' a1 'x'"),
        ("OpenConnection with claims, headers, query and protocol",
         .openConnection(connectionID: "c1", claims: [ServiceClaim("asrs.s.uid", "ann")], headers: [ServiceHeader("Host", ["localhost"])],
                         query: "asrs.op=x", ServiceExtensions(protocolName: "json")),
         "96 04 a2 'c1' 81 aa 'asrs.s.uid' a3 'ann' 81 a4 'Host' 91 a9 'localhost' a9 'asrs.op=x' 81 03 a4 'json'"),
        ("CloseConnection", .closeConnection(connectionID: "c1", error: "", headers: [], .none), "95 05 a2 'c1' a0 80 80"),
        ("ConnectionData tagged as an invocation",
         .connectionData(connectionID: "c1", payload: [0x7B, 0x7D, 0x1E], ServiceExtensions(dataMessageType: 2)),
         "94 06 a2 'c1' c4 03 7b 7d 1e 81 05 02"),
        ("MultiConnectionData", .multiConnectionData(connectionIDs: ["c1", "c2"], payloads: [ServicePayload("json", [0x1E])], .none),
         "94 07 92 a2 'c1' a2 'c2' 81 a4 'json' c4 01 1e 80"),
        ("UserData with two protocols",
         .userData(userID: "u", payloads: [ServicePayload("json", [0x1E]), ServicePayload("messagepack", [0x01, 0x90])], .none),
         "94 08 a1 'u' 82 a4 'json' c4 01 1e ab 'messagepack' c4 02 01 90 80"),
        ("MultiUserData", .multiUserData(userIDs: ["u1"], payloads: [], .none), "94 09 91 a2 'u1' 80 80"),
        ("BroadcastData with an exclusion", .broadcastData(excluded: ["c9"], payloads: [ServicePayload("json", [])], .none),
         "94 0a 91 a2 'c9' 81 a4 'json' c4 00 80"),
        ("JoinGroup", .joinGroup(connectionID: "c1", group: "g", .none), "94 0b a2 'c1' a1 'g' 80"),
        ("LeaveGroup", .leaveGroup(connectionID: "c1", group: "g", .none), "94 0c a2 'c1' a1 'g' 80"),
        ("GroupBroadcastData with excluded users and the caller",
         .groupBroadcastData(group: "g", excluded: [], payloads: [ServicePayload("json", [0xAA])], .none, excludedUsers: ["u1"], callerUserID: "caller"),
         "97 0d a1 'g' 90 81 a4 'json' c4 01 aa 80 91 a2 'u1' a6 'caller'"),
        ("MultiGroupBroadcastData", .multiGroupBroadcastData(groups: ["a", "b"], payloads: [], .none), "94 0e 92 a1 'a' a1 'b' 80 80"),
        ("ServiceError", .serviceError("msg"), "92 0f a3 'msg'"),
        ("UserJoinGroup with a time to live", .userJoinGroup(userID: "u", group: "g", ServiceExtensions(ttl: 60)), "94 10 a1 'u' a1 'g' 81 02 3c"),
        ("UserLeaveGroup", .userLeaveGroup(userID: "u", group: "g", .none), "94 11 a1 'u' a1 'g' 80"),
        ("JoinGroupWithAck", .joinGroupWithAck(connectionID: "c1", group: "g", ackID: 7, .none), "95 12 a2 'c1' a1 'g' 07 80"),
        ("LeaveGroupWithAck", .leaveGroupWithAck(connectionID: "c1", group: "g", ackID: 300, .none), "95 13 a2 'c1' a1 'g' cd 01 2c 80"),
        ("Ack", .ack(ackID: 7, status: 1, message: "", .none), "95 14 07 01 a0 80"),
        ("CheckUserInGroupWithAck", .checkUserInGroupWithAck(userID: "u", group: "g", ackID: 1, .none), "95 15 a1 'u' a1 'g' 01 80"),
        ("CheckGroupExistenceWithAck", .checkGroupExistenceWithAck(group: "g", ackID: 2, .none), "94 17 a1 'g' 02 80"),
        ("CheckConnectionExistenceWithAck", .checkConnectionExistenceWithAck(connectionID: "c1", ackID: 3, .none), "94 18 a2 'c1' 03 80"),
        ("CheckUserExistenceWithAck", .checkUserExistenceWithAck(userID: "u", ackID: 4, .none), "94 19 a1 'u' 04 80"),
        ("UserJoinGroupWithAck", .userJoinGroupWithAck(userID: "u", group: "g", ackID: 5, .none), "95 1a a1 'u' a1 'g' 05 80"),
        ("UserLeaveGroupWithAck", .userLeaveGroupWithAck(userID: "u", group: "g", ackID: 6, .none), "95 1b a1 'u' a1 'g' 06 80"),
        ("CloseConnectionWithAck", .closeConnectionWithAck(connectionID: "c1", reason: "r", ackID: 8, .none), "95 1e a2 'c1' a1 'r' 08 80"),
        ("CloseConnectionsWithAck", .closeConnectionsWithAck(reason: nil, ackID: 9, excluded: ["c2"], .none), "95 1f c0 09 91 a2 'c2' 80"),
        ("CloseUserConnectionsWithAck", .closeUserConnectionsWithAck(userID: "u", reason: "r", ackID: 10, excluded: [], .none),
         "96 20 a1 'u' a1 'r' 0a 90 80"),
        ("CloseGroupConnectionsWithAck", .closeGroupConnectionsWithAck(group: "g", reason: "r", ackID: 11, excluded: [], .none),
         "96 21 a1 'g' a1 'r' 0b 90 80"),
        ("AccessKeyRequest as the SDK sends it, without a key id", .accessKeyRequest(token: "t", keyID: nil, .none), "94 1c a1 't' c0 80"),
        ("AccessKeyResponse with a key", .accessKeyResponse(keyID: "k", accessKey: "s", errorType: nil, errorMessage: nil, .none),
         "96 1d a1 'k' a1 's' c0 c0 80"),
        ("AccessKeyResponse with an error", .accessKeyResponse(keyID: nil, accessKey: nil, errorType: "E", errorMessage: "m", .none),
         "96 1d c0 c0 a1 'E' a1 'm' 80"),
        ("Ping with the service's status and counts", .ping(["status", "1", "clientcount", "2", "servercount", "1"]),
         "97 03 a6 'status' a1 '1' ab 'clientcount' a1 '2' ab 'servercount' a1 '1'"),
        ("Ping telling an instance is offline", .ping(["offline", "i1"]), "93 03 a7 'offline' a2 'i1'"),
        ("extension members in the SDK's order",
         .connectionData(connectionID: "c", payload: [], ServiceExtensions(tracingID: 1 << 40, ttl: 5, protocolName: "json", filter: "f",
                                                                            dataMessageType: 1, isPartial: true)),
         "94 06 a1 'c' c4 00 86 01 cf 00 00 01 00 00 00 00 00 02 05 03 a4 'json' 04 a1 'f' 05 01 06 c3"),
    ]

    @Test("Each message is written byte for byte as ServiceProtocol.cs writes it", arguments: written.map { $0.0 })
    func writesTheLayout(name: String) throws {
        let (_, message, layout) = try #require(Self.written.first { $0.0 == name })
        #expect(message.record == Self.bytes(layout))
        #expect(message.framed == [UInt8(Self.bytes(layout).count)] + Self.bytes(layout), "a short record has a one-byte length prefix")
    }

    @Test("Each message written by the SDK reads back to the same message", arguments: written.map { $0.0 })
    func readsTheLayout(name: String) throws {
        let (_, message, layout) = try #require(Self.written.first { $0.0 == name })
        #expect(try ServiceMessage(record: Self.bytes(layout)) == message)
    }

    /// Shorter forms that older SDKs send, and what they mean.
    static let shorter: [(String, String, ServiceMessage)] = [
        ("HandshakeRequest with the version only", "92 01 01", .handshakeRequest(version: 1, connectionType: 0, target: nil, migrationLevel: 0, .none)),
        ("HandshakeRequest without migration level", "94 01 01 01 a1 't'",
         .handshakeRequest(version: 1, connectionType: 1, target: "t", migrationLevel: 0, .none)),
        ("HandshakeRequest without extension members", "95 01 01 00 a0 02",
         .handshakeRequest(version: 1, connectionType: 0, target: "", migrationLevel: 2, .none)),
        ("HandshakeResponse without extension members", "92 02 c0", .handshakeResponse(error: nil, .none)),
        ("OpenConnection with claims only", "93 04 a2 'c1' 80", .openConnection(connectionID: "c1", claims: [], headers: [], query: nil, .none)),
        ("OpenConnection without extension members", "95 04 a2 'c1' 80 80 a0", .openConnection(connectionID: "c1", claims: [], headers: [], query: "", .none)),
        ("CloseConnection without headers", "93 05 a2 'c1' a3 'err'", .closeConnection(connectionID: "c1", error: "err", headers: [], .none)),
        ("ConnectionData without extension members", "93 06 a2 'c1' c4 01 1e", .connectionData(connectionID: "c1", payload: [0x1E], .none)),
        ("GroupBroadcastData without extension members", "94 0d a1 'g' 90 80",
         .groupBroadcastData(group: "g", excluded: [], payloads: [], .none, excludedUsers: nil, callerUserID: nil)),
        ("GroupBroadcastData without excluded users", "95 0d a1 'g' 90 80 80",
         .groupBroadcastData(group: "g", excluded: [], payloads: [], .none, excludedUsers: nil, callerUserID: nil)),
        ("JoinGroup without extension members", "93 0b a2 'c1' a1 'g'", .joinGroup(connectionID: "c1", group: "g", .none)),
        ("an unknown extension member is skipped", "94 0b a2 'c1' a1 'g' 82 63 a1 'x' 03 a4 'json'",
         .joinGroup(connectionID: "c1", group: "g", ServiceExtensions(protocolName: "json"))),
        ("an unknown message type", "92 63 01", .unknown(type: 99)),
        ("a known type the emulator does not serve (ServiceEvent)", "96 16 01 a1 'i' 01 a1 'm' 80", .unknown(type: 22)),
    ]

    @Test("The shorter forms of older SDKs read with their defaults", arguments: shorter.map { $0.0 })
    func readsShorterForms(name: String) throws {
        let (_, layout, message) = try #require(Self.shorter.first { $0.0 == name })
        #expect(try ServiceMessage(record: Self.bytes(layout)) == message)
    }

    @Test("A malformed message is an error that names the field", arguments: [
        ("c0", "a service message is a MessagePack array"),
        ("91 a1 'x'", "reading 'messageType' as Int32 failed"),
        ("92 0b a2 'c1'", "the message ends before 'groupName'"),
        ("94 0b 05 a1 'g' 80", "reading 'connectionId' as String failed"),
        ("94 06 a2 'c1' a1 'x' 80", "reading 'payload' as Byte[] failed"),
        ("94 08 a1 'u' 81 a4 'json' a1 'x' 80", "reading 'payloads[0].value' as Byte[] failed"),
        ("95 12 a2 'c1' a1 'g' ce ff ff ff ff 80", "reading 'ackId' as Int32 failed"),
        ("94 10 a1 'u' a1 'g' 81 02 a1 'x'", "extension member 2 is not of its type"),
        ("93 06 a2 'c1' c4 05 00", "MessagePack"),
    ])
    func malformed(layout: String, reason: String) {
        #expect {
            try ServiceMessage(record: Self.bytes(layout))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
