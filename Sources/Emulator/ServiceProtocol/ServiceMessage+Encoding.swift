/// Writing service-protocol messages with the layouts `ServiceProtocol.cs` writes: every
/// optional trailing field present, extension members as the SDK orders them.
extension ServiceMessage {
    /// The message with its length prefix, ready for a WebSocket binary frame.
    public var framed: [UInt8] { MessagePackHubProtocol.frame(record) }

    /// The MessagePack array alone.
    public var record: [UInt8] { MessagePackCodec.encode(.array(elements)) }

    private var elements: [HubValue] {
        switch self {
        case .handshakeRequest(let version, let connectionType, let target, let migration, let extensions):
            return [type(.handshakeRequest), int(version), int(connectionType), .string(connectionType == 0 ? "" : target ?? ""),
                    int(migration), extensions.value]
        case .handshakeResponse(let error, let extensions):
            return [type(.handshakeResponse), text(error), extensions.value]
        case .ping(let messages):
            return [type(.ping)] + messages.map(text)
        case .openConnection(let id, let claims, let headers, let query, let extensions):
            let claimMap = HubValue.map(claims.map { HubPair(.string($0.type), .string($0.value)) })
            return [type(.openConnection), .string(id), claimMap, Self.headerMap(headers), text(query), extensions.value]
        case .closeConnection(let id, let error, let headers, let extensions):
            return [type(.closeConnection), .string(id), text(error), Self.headerMap(headers), extensions.value]
        case .connectionData(let id, let payload, let extensions):
            return [type(.connectionData), .string(id), .binary(payload), extensions.value]
        case .multiConnectionData(let ids, let payloads, let extensions):
            return [type(.multiConnectionData), strings(ids), Self.payloadMap(payloads), extensions.value]
        case .userData(let user, let payloads, let extensions):
            return [type(.userData), .string(user), Self.payloadMap(payloads), extensions.value]
        case .multiUserData(let users, let payloads, let extensions):
            return [type(.multiUserData), strings(users), Self.payloadMap(payloads), extensions.value]
        case .broadcastData(let excluded, let payloads, let extensions):
            return [type(.broadcastData), strings(excluded), Self.payloadMap(payloads), extensions.value]
        case .joinGroup(let id, let group, let extensions):
            return [type(.joinGroup), .string(id), .string(group), extensions.value]
        case .leaveGroup(let id, let group, let extensions):
            return [type(.leaveGroup), .string(id), .string(group), extensions.value]
        case .groupBroadcastData(let group, let excluded, let payloads, let extensions, let excludedUsers, let caller):
            return [type(.groupBroadcastData), .string(group), strings(excluded), Self.payloadMap(payloads), extensions.value,
                    strings(excludedUsers ?? []), text(caller)]
        case .multiGroupBroadcastData(let groups, let payloads, let extensions):
            return [type(.multiGroupBroadcastData), strings(groups), Self.payloadMap(payloads), extensions.value]
        case .serviceError(let message):
            return [type(.serviceError), .string(message)]
        case .userJoinGroup(let user, let group, let extensions):
            return [type(.userJoinGroup), .string(user), .string(group), extensions.value]
        case .userLeaveGroup(let user, let group, let extensions):
            return [type(.userLeaveGroup), .string(user), .string(group), extensions.value]
        case .joinGroupWithAck(let id, let group, let ackID, let extensions):
            return [type(.joinGroupWithAck), .string(id), .string(group), int(ackID), extensions.value]
        case .leaveGroupWithAck(let id, let group, let ackID, let extensions):
            return [type(.leaveGroupWithAck), .string(id), .string(group), int(ackID), extensions.value]
        case .ack(let ackID, let status, let message, let extensions):
            return [type(.ack), int(ackID), int(status), text(message), extensions.value]
        case .checkUserInGroupWithAck(let user, let group, let ackID, let extensions):
            return [type(.checkUserInGroupWithAck), .string(user), .string(group), int(ackID), extensions.value]
        case .checkGroupExistenceWithAck(let group, let ackID, let extensions):
            return [type(.checkGroupExistenceWithAck), .string(group), int(ackID), extensions.value]
        case .checkConnectionExistenceWithAck(let id, let ackID, let extensions):
            return [type(.checkConnectionExistenceWithAck), .string(id), int(ackID), extensions.value]
        case .checkUserExistenceWithAck(let user, let ackID, let extensions):
            return [type(.checkUserExistenceWithAck), .string(user), int(ackID), extensions.value]
        case .userJoinGroupWithAck(let user, let group, let ackID, let extensions):
            return [type(.userJoinGroupWithAck), .string(user), .string(group), int(ackID), extensions.value]
        case .userLeaveGroupWithAck(let user, let group, let ackID, let extensions):
            return [type(.userLeaveGroupWithAck), .string(user), .string(group), int(ackID), extensions.value]
        case .closeConnectionWithAck(let id, let reason, let ackID, let extensions):
            return [type(.closeConnectionWithAck), .string(id), text(reason), int(ackID), extensions.value]
        case .closeConnectionsWithAck(let reason, let ackID, let excluded, let extensions):
            return [type(.closeConnectionsWithAck), text(reason), int(ackID), strings(excluded), extensions.value]
        case .closeUserConnectionsWithAck(let user, let reason, let ackID, let excluded, let extensions):
            return [type(.closeUserConnectionsWithAck), .string(user), text(reason), int(ackID), strings(excluded), extensions.value]
        case .closeGroupConnectionsWithAck(let group, let reason, let ackID, let excluded, let extensions):
            return [type(.closeGroupConnectionsWithAck), .string(group), text(reason), int(ackID), strings(excluded), extensions.value]
        case .accessKeyRequest(let token, let keyID, let extensions):
            return [type(.accessKeyRequest), text(token), text(keyID), extensions.value]
        case .accessKeyResponse(let keyID, let accessKey, let errorType, let errorMessage, let extensions):
            return [type(.accessKeyResponse), text(keyID), text(accessKey), text(errorType), text(errorMessage), extensions.value]
        case .unknown(let type):
            return [int(type)]
        }
    }

    private func type(_ type: ServiceMessageType) -> HubValue { .int(Int64(type.rawValue)) }
    private func int(_ number: Int) -> HubValue { .int(Int64(number)) }
    private func text(_ value: String?) -> HubValue { value.map(HubValue.string) ?? .null }
    private func strings(_ values: [String]) -> HubValue { .array(values.map(HubValue.string)) }

    private static func headerMap(_ headers: [ServiceHeader]) -> HubValue {
        .map(headers.map { HubPair(.string($0.name), .array($0.values.map(HubValue.string))) })
    }

    private static func payloadMap(_ payloads: ServicePayloads) -> HubValue {
        .map(payloads.map { HubPair(.string($0.protocolName), .binary($0.bytes)) })
    }
}

extension ServiceExtensions {
    /// The members present, keyed and ordered as `WriteExtensionMembers` writes them.
    var value: HubValue {
        var pairs: [HubPair] = []
        if let tracingID { pairs.append(HubPair(.int(1), .uint(tracingID))) }
        if let ttl { pairs.append(HubPair(.int(2), .int(Int64(ttl)))) }
        if let protocolName { pairs.append(HubPair(.int(3), .string(protocolName))) }
        if let filter { pairs.append(HubPair(.int(4), .string(filter))) }
        if dataMessageType != 0 { pairs.append(HubPair(.int(5), .int(Int64(dataMessageType)))) }
        if isPartial { pairs.append(HubPair(.int(6), .bool(true))) }
        return .map(pairs)
    }
}
