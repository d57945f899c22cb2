/// A message of the Azure SignalR service protocol, between the service and an app server's
/// server connection (Default mode), as Microsoft.Azure.SignalR.Protocols writes it: a
/// MessagePack array `[type, fields…, extension members]` behind a variable-length prefix.
///
/// The field order, the optional trailing fields and the extension members follow
/// `ServiceProtocol.cs` and `ServiceMessage.cs` of Azure/azure-signalr, not the older
/// `specs/ServiceProtocol.md`.
public enum ServiceMessage: Sendable, Equatable {
    /// Server → service, first: the protocol version, the kind of server connection, its
    /// target (on-demand connections) and how its clients may migrate.
    case handshakeRequest(version: Int, connectionType: Int, target: String?, migrationLevel: Int, ServiceExtensions)
    /// Service → server: the answer to the handshake; an empty or nil error accepts it.
    case handshakeResponse(error: String?, ServiceExtensions)
    /// Both ways: keep-alive, or key-value strings (`status`, `offline`, `servers`, `echo`…).
    case ping([String?])
    /// Service → server: a client connected (its claims, request headers and query string).
    case openConnection(connectionID: String, claims: [ServiceClaim], headers: [ServiceHeader], query: String?, ServiceExtensions)
    /// Both ways: a client's connection ends, with an optional error.
    case closeConnection(connectionID: String, error: String?, headers: [ServiceHeader], ServiceExtensions)
    /// Both ways: bytes of one client's connection.
    case connectionData(connectionID: String, payload: [UInt8], ServiceExtensions)
    /// Server → service: payloads for several connections.
    case multiConnectionData(connectionIDs: [String], payloads: ServicePayloads, ServiceExtensions)
    /// Server → service: payloads for every connection of a user.
    case userData(userID: String, payloads: ServicePayloads, ServiceExtensions)
    /// Server → service: payloads for every connection of several users.
    case multiUserData(userIDs: [String], payloads: ServicePayloads, ServiceExtensions)
    /// Server → service: payloads for every connection of the hub but the excluded ones.
    case broadcastData(excluded: [String], payloads: ServicePayloads, ServiceExtensions)
    /// Server → service: a connection joins a group.
    case joinGroup(connectionID: String, group: String, ServiceExtensions)
    /// Server → service: a connection leaves a group.
    case leaveGroup(connectionID: String, group: String, ServiceExtensions)
    /// Server → service: payloads for a group but the excluded connections and users.
    case groupBroadcastData(group: String, excluded: [String], payloads: ServicePayloads, ServiceExtensions,
                            excludedUsers: [String]?, callerUserID: String?)
    /// Server → service: payloads for several groups.
    case multiGroupBroadcastData(groups: [String], payloads: ServicePayloads, ServiceExtensions)
    /// Service → server: the connection is refused or broken, and why.
    case serviceError(String)
    /// Server → service: a user joins a group (with a time to live in the extensions).
    case userJoinGroup(userID: String, group: String, ServiceExtensions)
    /// Server → service: a user leaves a group.
    case userLeaveGroup(userID: String, group: String, ServiceExtensions)
    /// Server → service: a connection joins a group; the service answers with ``ack``.
    case joinGroupWithAck(connectionID: String, group: String, ackID: Int, ServiceExtensions)
    /// Server → service: a connection leaves a group; the service answers with ``ack``.
    case leaveGroupWithAck(connectionID: String, group: String, ackID: Int, ServiceExtensions)
    /// Service → server: the outcome of a message with an ack id.
    case ack(ackID: Int, status: Int, message: String?, ServiceExtensions)
    /// Server → service: whether a user is in a group.
    case checkUserInGroupWithAck(userID: String, group: String, ackID: Int, ServiceExtensions)
    /// Server → service: whether a group has any connection.
    case checkGroupExistenceWithAck(group: String, ackID: Int, ServiceExtensions)
    /// Server → service: whether a connection exists.
    case checkConnectionExistenceWithAck(connectionID: String, ackID: Int, ServiceExtensions)
    /// Server → service: whether a user has any connection.
    case checkUserExistenceWithAck(userID: String, ackID: Int, ServiceExtensions)
    /// Server → service: a user joins a group, answered with ``ack``.
    case userJoinGroupWithAck(userID: String, group: String, ackID: Int, ServiceExtensions)
    /// Server → service: a user leaves a group, answered with ``ack``.
    case userLeaveGroupWithAck(userID: String, group: String, ackID: Int, ServiceExtensions)
    /// Server → service: close one connection, answered with ``ack``.
    case closeConnectionWithAck(connectionID: String, reason: String?, ackID: Int, ServiceExtensions)
    /// Server → service: close every connection of the hub but the excluded ones.
    case closeConnectionsWithAck(reason: String?, ackID: Int, excluded: [String], ServiceExtensions)
    /// Server → service: close every connection of a user.
    case closeUserConnectionsWithAck(userID: String, reason: String?, ackID: Int, excluded: [String], ServiceExtensions)
    /// Server → service: close every connection of a group.
    case closeGroupConnectionsWithAck(group: String, reason: String?, ackID: Int, excluded: [String], ServiceExtensions)
    /// Server → service: an app server signed in with Microsoft Entra ID asks, with its Entra
    /// token, for a key to sign its clients' tokens with (the SDK sends it every ten minutes).
    case accessKeyRequest(token: String?, keyID: String?, ServiceExtensions)
    /// Service → server: the key and its id, or the type and text of the error.
    case accessKeyResponse(keyID: String?, accessKey: String?, errorType: String?, errorMessage: String?, ServiceExtensions)
    /// A type this emulator does not know; the SDK ignores such messages, and so do we.
    case unknown(type: Int)
}

/// The message types, as `ServiceProtocolConstants.cs` numbers them.
public enum ServiceMessageType: Int, Sendable, CaseIterable {
    case handshakeRequest = 1, handshakeResponse, ping, openConnection, closeConnection, connectionData, multiConnectionData
    case userData, multiUserData, broadcastData, joinGroup, leaveGroup, groupBroadcastData, multiGroupBroadcastData
    case serviceError, userJoinGroup, userLeaveGroup, joinGroupWithAck, leaveGroupWithAck, ack, checkUserInGroupWithAck
    case serviceEvent, checkGroupExistenceWithAck, checkConnectionExistenceWithAck, checkUserExistenceWithAck
    case userJoinGroupWithAck, userLeaveGroupWithAck, accessKeyRequest, accessKeyResponse, closeConnectionWithAck
    case closeConnectionsWithAck, closeUserConnectionsWithAck, closeGroupConnectionsWithAck, clientInvocation, serviceCompletion
}

/// One claim of a client, as OpenConnection carries it (type, value).
public struct ServiceClaim: Sendable, Equatable {
    /// The claim type (`asrs.s.uid`, `nameid`, …).
    public var type: String
    /// Its value.
    public var value: String

    /// A claim.
    public init(_ type: String, _ value: String) {
        self.type = type
        self.value = value
    }
}

/// One request header of a client, with its values.
public struct ServiceHeader: Sendable, Equatable {
    /// The header's name.
    public var name: String
    /// Its values, in order.
    public var values: [String]

    /// A header.
    public init(_ name: String, _ values: [String]) {
        self.name = name
        self.values = values
    }
}

/// Payloads keyed by hub protocol name (`json`, `messagepack`), in the order written: each
/// client receives the payload of its own protocol.
public typealias ServicePayloads = [ServicePayload]

/// The bytes of one message for the clients of one hub protocol.
public struct ServicePayload: Sendable, Equatable {
    /// The hub protocol's name, as clients name it in their handshake.
    public var protocolName: String
    /// The framed hub message(s) in that protocol.
    public var bytes: [UInt8]

    /// A payload.
    public init(_ protocolName: String, _ bytes: [UInt8]) {
        self.protocolName = protocolName
        self.bytes = bytes
    }
}

/// The extension members that end most messages: a map from small integer keys to values, of
/// which the SDK knows six and skips the others.
public struct ServiceExtensions: Sendable, Equatable {
    /// Key 1: a tracing id.
    public var tracingID: UInt64?
    /// Key 2: a time to live in seconds (UserJoinGroup).
    public var ttl: Int?
    /// Key 3: the client's hub protocol (OpenConnection), which newer SDKs require.
    public var protocolName: String?
    /// Key 4: an OData filter of the subscribers.
    public var filter: String?
    /// Key 5: the kind of a ConnectionData payload (1 handshake, 2 invocation…), 0 when absent.
    public var dataMessageType: Int = 0
    /// Key 6: whether a ConnectionData payload is part of a larger message.
    public var isPartial = false

    /// No extension members.
    public init(tracingID: UInt64? = nil, ttl: Int? = nil, protocolName: String? = nil, filter: String? = nil,
                dataMessageType: Int = 0, isPartial: Bool = false) {
        self.tracingID = tracingID
        self.ttl = ttl
        self.protocolName = protocolName
        self.filter = filter
        self.dataMessageType = dataMessageType
        self.isPartial = isPartial
    }

    /// No extension members.
    public static let none = ServiceExtensions()
}
