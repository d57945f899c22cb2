import Foundation
import NIOCore

/// The app-server side of the service protocol (Default mode): server connections, their
/// handshake and pings, and what they send to the hub's clients.
extension HubService {
    /// The service-protocol version the emulator speaks, as ServiceProtocol.cs's.
    static let serviceProtocolVersion = 1

    /// What Azure answers the handshake of a Default-mode client when no app server is connected.
    static let noAppServer = "SignalR Service is now in 'Default' service mode. Current mode works as a proxy that routes client traffic to the connected app servers. However app servers are not connected."

    /// Accepts an app server's connection: its token must be for `<endpoint>/server/?hub=<hub>`
    /// (the endpoint without its port), signed with the access key or a temporary key.
    func connectAppServer(hub: String?, id: String?, serverName: String?, accessToken: String?,
                          output: WebSocketOutput) throws(HubServiceError) -> AppServerConnection {
        let hub = try Self.checkHub(hub)
        guard let accessToken else { throw .unauthorized("no access token: send 'Authorization: Bearer <token>' or access_token=<token>") }
        let claims: TokenClaims
        do { claims = try validator.validate(accessToken, for: .server(hub: hub)) } catch { throw .unauthorized(error.reason) }
        let id = id.flatMap { $0.isEmpty ? nil : $0 } ?? Identifier.make()
        let server = AppServerConnection(id: id, hub: hub, serverID: serverName ?? claims.userID ?? id, output: output)
        appServers.add(server)
        publishServerEvent("serverConnected", server)
        logger.info("app server connected", metadata: ["hub": "\(hub)", "server": "\(server.serverID)", "connection": "\(id)"])
        return server
    }

    /// The server connection's socket closed: the clients routed to it are closed too, as
    /// Azure closes them.
    func appServerClosed(_ server: AppServerConnection) {
        let left = server.move(to: .closed)
        guard appServers.remove(server) else { return }
        // With migration level 2 (Any), clients move on even when their server drops.
        var orphans = registry.connections(hub: server.hub).filter { $0.appServer === server }
        if case .ready(_, let migrationLevel) = left, migrationLevel >= 2 {
            orphans = migrateClients(of: server, tellingIt: false)
        }
        for connection in orphans {
            close(connection, error: "The app server's connection to the service was closed.")
        }
        publishServerEvent("serverDisconnected", server)
        logger.info("app server disconnected", metadata: ["hub": "\(server.hub)", "server": "\(server.serverID)", "connection": "\(server.id)"])
    }

    /// Handles one message of a server connection, on its event loop.
    func receive(_ message: ServiceMessage, from server: AppServerConnection) {
        if server.currentPhase == .awaitingHandshake {
            return handshake(message, from: server)
        }
        switch message {
        case .ping(let values):
            answerPing(values, from: server)
        case .connectionData(let id, _, _):
            // A migrated client's old server no longer speaks for it.
            guard registry.connection(id, hub: server.hub).map({ $0.appServer == nil || $0.appServer === server }) ?? false else { return }
            server.countReceived()
            deliverData(message, hub: server.hub)
        case .multiConnectionData, .userData, .multiUserData, .broadcastData, .groupBroadcastData, .multiGroupBroadcastData:
            server.countReceived()
            deliverData(message, hub: server.hub)
        case .accessKeyRequest(let token, _, _):
            server.send(accessKeyResponse(to: token))
        case .closeConnection(let id, _, _, _):
            // The app server's hub has sent its own Close message through ConnectionData.
            if let connection = registry.connection(id, hub: server.hub), connection.appServer == nil || connection.appServer === server,
               connection.noteClosedByAppServer() {
                close(connection, error: nil, sendCloseMessage: connection.appServer == nil)
            }
        default:
            applyCommand(message, from: server)
        }
    }

    // MARK: Server connections

    private func handshake(_ message: ServiceMessage, from server: AppServerConnection) {
        guard case .handshakeRequest(let version, let connectionType, _, let migrationLevel, _) = message else {
            return server.fail("The first message of a server connection must be a HandshakeRequest.")
        }
        guard version == Self.serviceProtocolVersion else {
            server.send(.handshakeResponse(error: "Protocol version \(version) is not supported; this service speaks version \(Self.serviceProtocolVersion).", .none))
            server.move(to: .closed)
            let output = server.output
            output.eventLoop.execute { output.beginClose(hubClose: nil, code: .normalClosure) }
            return
        }
        server.move(to: .ready(connectionType: connectionType, migrationLevel: migrationLevel))
        server.send(.handshakeResponse(error: "", .none))
    }

    /// Answers the pings the SDK sends: `echo` comes back, `status` gets whether the hub has
    /// clients (`1` or `0`) with the client and server counts, `servers` gets the servers of
    /// the hub, a `shutdown` (`fin:N`) is acknowledged with `finack` and the connection takes
    /// no new clients. The SDK's keep-alive keys (`#clientInHub`, `#client`) need no answer.
    private func answerPing(_ values: [String?], from server: AppServerConnection) {
        let pairs = stride(from: 0, to: values.count - 1, by: 2).map { (key: values[$0], value: values[$0 + 1]) }
        for (key, value) in pairs {
            switch key {
            case "echo":
                server.send(.ping(values))
            case "status":
                let clients = registry.connections(hub: server.hub).count
                let servers = appServers.connections(hub: server.hub).filter(\.isReady).count
                server.send(.ping(["status", clients > 0 ? "1" : "0", "clientcount", "\(clients)", "servercount", "\(servers)"]))
            case "servers":
                let names = appServers.connections(hub: server.hub).map(\.serverID)
                var unique: [String] = []
                for name in names where !unique.contains(name) { unique.append(name) }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                server.send(.ping(["servers", "\(now):\(unique.joined(separator: ";"))"]))
            case "shutdown" where value?.hasPrefix("fin:") == true:
                let left = server.move(to: .shuttingDown(mode: value ?? "fin:0"))
                server.send(.ping(["shutdown", "finack"]))
                publishServerEvent("serverShuttingDown", server)
                // fin:1 (MigrateClients) from a server whose clients may migrate on shutdown.
                if value == "fin:1", case .ready(_, let migrationLevel) = left, migrationLevel >= 1 {
                    migrateClients(of: server, tellingIt: true)
                }
            default:
                continue
            }
        }
    }

    /// The answer to an app server that signs in with Microsoft Entra ID and asks for a key to
    /// sign its clients' tokens with: a temporary key, as `/api/auth/accessKey` hands out, when
    /// the token is valid and its principal holds a role that grants `auth/accessKey/action`;
    /// else the reason, which the SDK logs.
    private func accessKeyResponse(to token: String?) -> ServiceMessage {
        func refusal(_ type: String, _ reason: String) -> ServiceMessage {
            .accessKeyResponse(keyID: nil, accessKey: nil, errorType: type, errorMessage: reason, .none)
        }
        guard let entra = configuration.entra else {
            return refusal("AzureSignalRUnauthorizedException", "this resource takes access-key tokens only (authType: accessKey), not Microsoft Entra ID tokens")
        }
        guard let keys = validator.temporaryKeys else { return refusal("AzureSignalRNotFoundException", "temporary keys are not enabled") }
        do {
            let principal = try entra.validator.validate(token ?? "")
            if let reason = entra.refusal(of: .accessKey, to: principal) { return refusal("AzureSignalRAccessDeniedException", reason) }
        } catch {
            return refusal("AzureSignalRUnauthorizedException", error.reason)
        }
        let key = keys.issue()
        return .accessKeyResponse(keyID: key.id, accessKey: key.value, errorType: nil, errorMessage: nil, .none)
    }

    /// Payloads for clients: each gets the one of its own protocol.
    private func deliverData(_ message: ServiceMessage, hub: String) {
        switch message {
        case .connectionData(let id, let payload, let extensions):
            guard let connection = registry.connection(id, hub: hub) else { return }
            // A message sent in pieces reaches the client whole, once its last piece came.
            if extensions.isPartial { return connection.holdPartial(payload) }
            let bytes = connection.withoutReplayedHandshakeAnswer(connection.completePartial(payload))
            if !bytes.isEmpty { deliver(ByteBuffer(bytes: bytes), to: connection) }
        case .multiConnectionData(let ids, let payloads, _):
            send(payloads, to: ids.compactMap { registry.connection($0, hub: hub) }, hub: hub)
        case .userData(let user, let payloads, _):
            send(payloads, to: registry.connections(user: user, hub: hub), hub: hub)
        case .multiUserData(let users, let payloads, _):
            send(payloads, to: users.flatMap { registry.connections(user: $0, hub: hub) }, hub: hub)
        case .broadcastData(let excluded, let payloads, _):
            send(payloads, to: registry.connections(hub: hub, excluding: Set(excluded)), hub: hub)
        case .groupBroadcastData(let group, let excluded, let payloads, _, let excludedUsers, _):
            let users = Set(excludedUsers ?? [])
            let connections = registry.connections(group: group, hub: hub, excluding: Set(excluded)).filter { $0.userID.map { !users.contains($0) } ?? true }
            send(payloads, to: connections, hub: hub)
        case .multiGroupBroadcastData(let groups, let payloads, _):
            var seen = Set<String>()
            let connections = groups.flatMap { registry.connections(group: $0, hub: hub) }.filter { seen.insert($0.id).inserted }
            send(payloads, to: connections, hub: hub)
        default:
            break
        }
    }

    private func send(_ payloads: ServicePayloads, to connections: [ClientConnection], hub: String) {
        let json = payloads.first { $0.protocolName.lowercased() == HubProtocolKind.json.rawValue }?.bytes
        let messagePack = payloads.first { $0.protocolName.lowercased() == HubProtocolKind.messagepack.rawValue }?.bytes
        let delivered = send(EncodedMessage(json: json, messagePack: messagePack), to: connections, hub: hub)
        if events.wantsEvents {
            events.publish("serverMessage", [("hub", .string(hub)), ("recipients", .int(Int64(delivered))),
                                             ("protocols", .array(payloads.map { .string($0.protocolName) }))])
        }
    }

    /// Group membership, existence checks and close commands; those with an ack id are
    /// answered with Ack: 1 (Ok) when done or true, 2 (NotFound) otherwise, as AckStatus.cs.
    private func applyCommand(_ message: ServiceMessage, from server: AppServerConnection) {
        let hub = server.hub
        func ack(_ id: Int, _ ok: Bool) { server.send(.ack(ackID: id, status: ok ? 1 : 2, message: nil, .none)) }
        func closeAll(_ connections: [ClientConnection], excluding excluded: [String], reason: String?) -> Bool {
            let targets = connections.filter { !excluded.contains($0.id) }
            for connection in targets { close(connection, error: reason?.isEmpty == false ? reason : nil) }
            return !targets.isEmpty
        }
        switch message {
        case .joinGroup(let id, let group, _):
            _ = registry.addConnection(id, toGroup: group, hub: hub)
        case .leaveGroup(let id, let group, _):
            _ = registry.removeConnection(id, fromGroup: group, hub: hub)
        case .joinGroupWithAck(let id, let group, let ackID, _):
            ack(ackID, registry.addConnection(id, toGroup: group, hub: hub))
        case .leaveGroupWithAck(let id, let group, let ackID, _):
            ack(ackID, registry.removeConnection(id, fromGroup: group, hub: hub))
        case .userJoinGroup(let user, let group, let extensions):
            registry.addUser(user, toGroup: group, hub: hub, ttl: extensions.ttl)
        case .userLeaveGroup(let user, let group, _):
            registry.removeUser(user, fromGroup: group, hub: hub)
        case .userJoinGroupWithAck(let user, let group, let ackID, let extensions):
            registry.addUser(user, toGroup: group, hub: hub, ttl: extensions.ttl)
            ack(ackID, true)
        case .userLeaveGroupWithAck(let user, let group, let ackID, _):
            registry.removeUser(user, fromGroup: group, hub: hub)
            ack(ackID, true)
        case .checkUserInGroupWithAck(let user, let group, let ackID, _):
            ack(ackID, registry.isUser(user, inGroup: group, hub: hub))
        case .checkGroupExistenceWithAck(let group, let ackID, _):
            ack(ackID, registry.groupExists(group, hub: hub))
        case .checkConnectionExistenceWithAck(let id, let ackID, _):
            ack(ackID, registry.connection(id, hub: hub) != nil)
        case .checkUserExistenceWithAck(let user, let ackID, _):
            ack(ackID, registry.userExists(user, hub: hub))
        case .closeConnectionWithAck(let id, let reason, let ackID, _):
            ack(ackID, closeAll(registry.connection(id, hub: hub).map { [$0] } ?? [], excluding: [], reason: reason))
        case .closeConnectionsWithAck(let reason, let ackID, let excluded, _):
            _ = closeAll(registry.connections(hub: hub), excluding: excluded, reason: reason)
            ack(ackID, true)
        case .closeUserConnectionsWithAck(let user, let reason, let ackID, let excluded, _):
            _ = closeAll(registry.connections(user: user, hub: hub), excluding: excluded, reason: reason)
            ack(ackID, true)
        case .closeGroupConnectionsWithAck(let group, let reason, let ackID, let excluded, _):
            _ = closeAll(registry.connections(group: group, hub: hub), excluding: excluded, reason: reason)
            ack(ackID, true)
        default:
            // Messages the service sends, not a server (a HandshakeRequest again, Ack, …), and
            // types the emulator does not serve: ignored, as the SDK ignores what it does not know.
            break
        }
    }

    private func publishServerEvent(_ name: String, _ server: AppServerConnection) {
        guard events.wantsEvents else { return }
        events.publish(name, [("hub", .string(server.hub)), ("connectionId", .string(server.id)), ("server", .string(server.serverID))])
    }
}
