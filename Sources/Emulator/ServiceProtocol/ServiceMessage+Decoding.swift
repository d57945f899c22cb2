/// Reading service-protocol messages, field by field, as `ServiceProtocol.cs` reads them: a
/// message may end before its optional trailing fields (older SDKs), and every field that is
/// not of its type is a ``ProtocolError`` that names it.
extension ServiceMessage {
    /// The message in one record (the MessagePack array, without its length prefix).
    public init(record: [UInt8]) throws(ProtocolError) {
        guard case .array(let elements) = try MessagePackCodec.decodeWhole(record) else {
            throw ProtocolError("a service message is a MessagePack array")
        }
        var fields = Fields(elements: elements)
        let type = try fields.int("messageType")
        guard let known = ServiceMessageType(rawValue: type) else {
            self = .unknown(type: type)
            return
        }
        self = try Self.read(known, &fields)
    }

    private static func read(_ type: ServiceMessageType, _ fields: inout Fields) throws(ProtocolError) -> ServiceMessage {
        switch type {
        case .handshakeRequest:
            let version = try fields.int("version")
            var connectionType = 0, target: String?
            if fields.count >= 4 {
                connectionType = try fields.int("connectionType")
                target = try fields.optionalString("target")
            }
            let migration = fields.count >= 5 ? try fields.int("migratableStatus") : 0
            return .handshakeRequest(version: version, connectionType: connectionType, target: target, migrationLevel: migration,
                                     try fields.extensions(from: 6))
        case .handshakeResponse:
            return .handshakeResponse(error: try fields.optionalString("errorMessage"), try fields.extensions(from: 3))
        case .ping:
            var messages: [String?] = []
            for index in 1..<fields.count { messages.append(try fields.optionalString("messages[\(index - 1)]")) }
            return .ping(messages)
        case .openConnection:
            let id = try fields.string("connectionId"), claims = try fields.claims()
            guard fields.count >= 5 else { return .openConnection(connectionID: id, claims: claims, headers: [], query: nil, .none) }
            return .openConnection(connectionID: id, claims: claims, headers: try fields.headers(), query: try fields.optionalString("queryString"),
                                   try fields.extensions(from: 6))
        case .closeConnection:
            let id = try fields.string("connectionId"), error = try fields.optionalString("errorMessage")
            let headers = fields.count >= 4 ? try fields.headers() : []
            return .closeConnection(connectionID: id, error: error, headers: headers, try fields.extensions(from: 5))
        case .connectionData:
            return .connectionData(connectionID: try fields.string("connectionId"), payload: try fields.bytes("payload"), try fields.extensions(from: 4))
        case .multiConnectionData:
            return .multiConnectionData(connectionIDs: try fields.strings("connectionList"), payloads: try fields.payloads(), try fields.extensions(from: 4))
        case .userData:
            return .userData(userID: try fields.string("userId"), payloads: try fields.payloads(), try fields.extensions(from: 4))
        case .multiUserData:
            return .multiUserData(userIDs: try fields.strings("userList"), payloads: try fields.payloads(), try fields.extensions(from: 4))
        case .broadcastData:
            return .broadcastData(excluded: try fields.strings("excludedList"), payloads: try fields.payloads(), try fields.extensions(from: 4))
        case .joinGroup, .leaveGroup, .userJoinGroup, .userLeaveGroup:
            let who = try fields.string(type == .joinGroup || type == .leaveGroup ? "connectionId" : "userId")
            let group = try fields.string("groupName"), extensions = try fields.extensions(from: 4)
            switch type {
            case .joinGroup: return .joinGroup(connectionID: who, group: group, extensions)
            case .leaveGroup: return .leaveGroup(connectionID: who, group: group, extensions)
            case .userJoinGroup: return .userJoinGroup(userID: who, group: group, extensions)
            default: return .userLeaveGroup(userID: who, group: group, extensions)
            }
        case .groupBroadcastData:
            let group = try fields.string("groupName"), excluded = try fields.strings("excludedList"), payloads = try fields.payloads()
            let extensions = try fields.extensions(from: 5)
            var excludedUsers: [String]?, caller: String?
            if fields.count >= 7 {
                excludedUsers = try fields.strings("excludedUserList")
                caller = try fields.optionalString("callerUserId")
            }
            return .groupBroadcastData(group: group, excluded: excluded, payloads: payloads, extensions, excludedUsers: excludedUsers, callerUserID: caller)
        case .multiGroupBroadcastData:
            return .multiGroupBroadcastData(groups: try fields.strings("groupList"), payloads: try fields.payloads(), try fields.extensions(from: 4))
        case .serviceError:
            return .serviceError(try fields.optionalString("errorMessage") ?? "")
        case .joinGroupWithAck, .leaveGroupWithAck, .checkUserInGroupWithAck, .userJoinGroupWithAck, .userLeaveGroupWithAck:
            let byConnection = type == .joinGroupWithAck || type == .leaveGroupWithAck
            let who = try fields.string(byConnection ? "connectionId" : "userId")
            let group = try fields.string("groupName"), ackID = try fields.int("ackId"), extensions = try fields.extensions(from: 5)
            switch type {
            case .joinGroupWithAck: return .joinGroupWithAck(connectionID: who, group: group, ackID: ackID, extensions)
            case .leaveGroupWithAck: return .leaveGroupWithAck(connectionID: who, group: group, ackID: ackID, extensions)
            case .checkUserInGroupWithAck: return .checkUserInGroupWithAck(userID: who, group: group, ackID: ackID, extensions)
            case .userJoinGroupWithAck: return .userJoinGroupWithAck(userID: who, group: group, ackID: ackID, extensions)
            default: return .userLeaveGroupWithAck(userID: who, group: group, ackID: ackID, extensions)
            }
        case .ack:
            return .ack(ackID: try fields.int("ackId"), status: try fields.int("status"), message: try fields.optionalString("message"),
                        try fields.extensions(from: 5))
        case .checkGroupExistenceWithAck:
            return .checkGroupExistenceWithAck(group: try fields.string("groupName"), ackID: try fields.int("ackId"), try fields.extensions(from: 4))
        case .checkConnectionExistenceWithAck:
            return .checkConnectionExistenceWithAck(connectionID: try fields.string("connectionId"), ackID: try fields.int("ackId"),
                                                    try fields.extensions(from: 4))
        case .checkUserExistenceWithAck:
            return .checkUserExistenceWithAck(userID: try fields.string("userId"), ackID: try fields.int("ackId"), try fields.extensions(from: 4))
        case .closeConnectionWithAck:
            return .closeConnectionWithAck(connectionID: try fields.string("connectionId"), reason: try fields.optionalString("reason"),
                                           ackID: try fields.int("ackId"), try fields.extensions(from: 5))
        case .closeConnectionsWithAck:
            return .closeConnectionsWithAck(reason: try fields.optionalString("reason"), ackID: try fields.int("ackId"),
                                            excluded: try fields.strings("excluded"), try fields.extensions(from: 5))
        case .closeUserConnectionsWithAck, .closeGroupConnectionsWithAck:
            let target = try fields.string(type == .closeUserConnectionsWithAck ? "userId" : "group")
            let reason = try fields.optionalString("reason"), ackID = try fields.int("ackId"), excluded = try fields.strings("excluded")
            let extensions = try fields.extensions(from: 6)
            return type == .closeUserConnectionsWithAck
                ? .closeUserConnectionsWithAck(userID: target, reason: reason, ackID: ackID, excluded: excluded, extensions)
                : .closeGroupConnectionsWithAck(group: target, reason: reason, ackID: ackID, excluded: excluded, extensions)
        case .accessKeyRequest:
            // ServiceProtocol.cs reads both strings and the extension members whatever the length.
            return .accessKeyRequest(token: try fields.optionalString("token"), keyID: try fields.optionalString("kid"), try fields.extensions(from: 4))
        case .accessKeyResponse:
            return .accessKeyResponse(keyID: try fields.optionalString("kid"), accessKey: try fields.optionalString("accessKey"),
                                      errorType: try fields.optionalString("errorType"), errorMessage: try fields.optionalString("errorMessage"),
                                      try fields.extensions(from: 6))
        case .serviceEvent, .clientInvocation, .serviceCompletion:
            // Known to the SDK, not served by the emulator: ignored, as the SDK ignores unknown types.
            return .unknown(type: type.rawValue)
        }
    }
}

/// The fields of one message, read in order.
private struct Fields {
    let elements: [HubValue]
    var index = 0

    /// How many elements the message's array has, its type included.
    var count: Int { elements.count }

    mutating func next(_ field: String) throws(ProtocolError) -> HubValue {
        guard index < elements.count else { throw ProtocolError("the message ends before '\(field)'") }
        defer { index += 1 }
        return elements[index]
    }

    mutating func int(_ field: String) throws(ProtocolError) -> Int {
        switch try next(field) {
        case .int(let number) where Int64(Int32.min)...Int64(Int32.max) ~= number: return Int(number)
        case .uint(let number) where number <= UInt64(Int32.max): return Int(number)
        default: throw ProtocolError("reading '\(field)' as Int32 failed")
        }
    }

    mutating func optionalString(_ field: String) throws(ProtocolError) -> String? {
        switch try next(field) {
        case .null: return nil
        case .string(let text): return text
        default: throw ProtocolError("reading '\(field)' as String failed")
        }
    }

    mutating func string(_ field: String) throws(ProtocolError) -> String {
        try optionalString(field) ?? ""
    }

    mutating func bytes(_ field: String) throws(ProtocolError) -> [UInt8] {
        switch try next(field) {
        case .null: return []
        case .binary(let bytes): return bytes
        default: throw ProtocolError("reading '\(field)' as Byte[] failed")
        }
    }

    mutating func strings(_ field: String) throws(ProtocolError) -> [String] {
        guard case .array(let values) = try next(field) else { throw ProtocolError("reading array length for '\(field)' failed") }
        var result: [String] = []
        for (position, value) in values.enumerated() {
            switch value {
            case .string(let text): result.append(text)
            case .null: result.append("")
            default: throw ProtocolError("reading '\(field)[\(position)]' as String failed")
            }
        }
        return result
    }

    mutating func map(_ field: String) throws(ProtocolError) -> [HubPair] {
        guard case .map(let pairs) = try next(field) else { throw ProtocolError("reading map length for '\(field)' failed") }
        return pairs
    }

    mutating func claims() throws(ProtocolError) -> [ServiceClaim] {
        try map("claims").enumerated().map { position, pair throws(ProtocolError) in
            guard let type = pair.key.string, let value = pair.value.string else {
                throw ProtocolError("reading 'claims[\(position)]' as String failed")
            }
            return ServiceClaim(type, value)
        }
    }

    mutating func headers() throws(ProtocolError) -> [ServiceHeader] {
        try map("headers").enumerated().map { position, pair throws(ProtocolError) in
            guard let name = pair.key.string, let values = pair.value.array else {
                throw ProtocolError("reading 'headers[\(position)]' failed")
            }
            var strings: [String] = []
            for value in values {
                guard let text = value.string else { throw ProtocolError("reading 'headers[\(position)].value' as String failed") }
                strings.append(text)
            }
            return ServiceHeader(name, strings)
        }
    }

    mutating func payloads() throws(ProtocolError) -> ServicePayloads {
        try map("payloads").enumerated().map { position, pair throws(ProtocolError) in
            guard let name = pair.key.string else { throw ProtocolError("reading 'payloads[\(position)].key' as String failed") }
            guard case .binary(let bytes) = pair.value else { throw ProtocolError("reading 'payloads[\(position)].value' as Byte[] failed") }
            return ServicePayload(name, bytes)
        }
    }

    /// The extension members, when the array is long enough to hold them (`minimumCount`).
    mutating func extensions(from minimumCount: Int) throws(ProtocolError) -> ServiceExtensions {
        guard count >= minimumCount, index < count else { return .none }
        var extensions = ServiceExtensions()
        for pair in try map("extensionMembers") {
            let key: Int
            switch pair.key {
            case .int(let number): key = Int(number)
            case .uint(let number) where number <= UInt64(Int32.max): key = Int(number)
            default: throw ProtocolError("reading an extension member's key as Int32 failed")
            }
            switch (key, pair.value) {
            case (1, .uint(let id)): extensions.tracingID = id
            case (1, .int(let id)) where id >= 0: extensions.tracingID = UInt64(id)
            case (2, .int(let ttl)): extensions.ttl = Int(ttl)
            case (2, .uint(let ttl)) where ttl <= UInt64(Int32.max): extensions.ttl = Int(ttl)
            case (3, .string(let name)): extensions.protocolName = name
            case (4, .string(let filter)): extensions.filter = filter
            case (5, .int(let kind)): extensions.dataMessageType = Int(kind)
            case (5, .uint(let kind)) where kind <= UInt64(Int32.max): extensions.dataMessageType = Int(kind)
            case (6, .bool(let partial)): extensions.isPartial = partial
            case (1...6, _): throw ProtocolError("extension member \(key) is not of its type")
            default: continue  // unknown members are skipped, as the SDK skips them
            }
        }
        return extensions
    }
}
