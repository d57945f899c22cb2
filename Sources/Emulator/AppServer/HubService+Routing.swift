import NIOCore

/// Default mode: a client of a hub with app servers is served by one of them, the emulator
/// passing bytes both ways.
extension HubService {
    /// A client's handshake in a hub with app servers: the service does not answer it but
    /// opens the connection on `server` (claims, query, and the hub protocol, which newer SDKs
    /// require), then passes the handshake and whatever followed it; the app server's hub
    /// answers. Returns whether the connection goes on.
    func routeHandshake(_ record: [UInt8], of connection: ClientConnection, to server: AppServerConnection,
                        decoder: inout HubFrameDecoder) -> Bool {
        // The app server's hub checks the version; the emulator must know the protocol.
        guard let (kind, _) = requestedProtocol(record, of: connection, checkingVersion: false) else { return false }
        connection.setProtocol(kind)
        let handshake = record + [JSONHubProtocol.recordSeparator]
        connection.route(to: server, handshake: handshake)
        open(connection, on: server, headers: connection.requestHeaders, handshake: handshake)
        let rest = decoder.takePending()
        if !rest.isEmpty { forward(rest, from: connection, to: server) }
        events.publish("connected", describe(connection) + [("appServer", .string(server.serverID))])
        return true
    }

    /// A client's bytes, as they came, to the app server it is routed to.
    func forward(_ bytes: [UInt8], from connection: ClientConnection, to server: AppServerConnection) {
        guard server.currentPhase != .closed else { return }
        server.send(.connectionData(connectionID: connection.id, payload: bytes, .none))
        registry.countIn(hub: connection.hub)
        server.countForwarded()
        if events.wantsEvents {
            events.publish("toServer", [("hub", .string(connection.hub)), ("connectionId", .string(connection.id)),
                                        ("server", .string(server.serverID)), ("bytes", .int(Int64(bytes.count)))])
        }
    }

    /// OpenConnection for `connection` on `server` (its request headers and this instance's id),
    /// then its handshake as ConnectionData.
    private func open(_ connection: ClientConnection, on server: AppServerConnection, headers: [ServiceHeader], handshake: [UInt8]) {
        let claims = connection.claims.userClaims.map { ServiceClaim($0.type, $0.value) }
        let headers = headers + [ServiceHeader("Asrs-Instance-Id", [instanceID])]
        server.send(.openConnection(connectionID: connection.id, claims: claims, headers: headers, query: connection.clientQuery,
                                    ServiceExtensions(protocolName: connection.protocolKind?.rawValue)))
        server.send(.connectionData(connectionID: connection.id, payload: handshake, ServiceExtensions(dataMessageType: 1)))
    }

    /// Moves the clients of `server` to the hub's other app servers, in turn, as Azure migrates
    /// them when a server that allows it shuts down (`fin:1`) or, with migration level 2, drops:
    /// the old server is told `Asrs-Migrate-To` (unless it is gone), the new one gets the
    /// connection with `Asrs-Migrate-From` and the client's handshake, whose answer the client,
    /// long past its handshake, does not see. Returns the clients that found no other server.
    @discardableResult
    func migrateClients(of server: AppServerConnection, tellingIt: Bool) -> [ClientConnection] {
        var stranded: [ClientConnection] = []
        for connection in registry.connections(hub: server.hub) where connection.appServer === server {
            guard let target = appServers.next(hub: server.hub), target !== server else {
                stranded.append(connection)
                continue
            }
            if tellingIt {
                server.send(.closeConnection(connectionID: connection.id, error: nil,
                                             headers: [ServiceHeader("Asrs-Migrate-To", [target.serverID])], .none))
            }
            guard let handshake = connection.migrate(to: target) else { continue }
            open(connection, on: target, headers: connection.requestHeaders + [ServiceHeader("Asrs-Migrate-From", [server.serverID])],
                 handshake: handshake)
            if events.wantsEvents {
                events.publish("migrated", describe(connection) + [("from", .string(server.serverID)), ("to", .string(target.serverID))])
            }
        }
        return stranded
    }
}
