/// Stateful reconnect at the level of connections: finding the connection a reconnecting
/// WebSocket names, and ending those whose client did not come back.
extension HubService {
    /// The stateful-reconnect connection whose token is `id`, if any: a WebSocket that names it
    /// reconnects instead of opening a new connection. Its token must be valid for the hub.
    func resumable(hub: String?, id: String?, accessToken: String?) throws(HubServiceError) -> (ClientConnection, ReliableSession)? {
        guard let id, let connection = reliableConnections.withLock({ $0[id] }),
              case .reliable(let session) = connection.output, session.isEnabled, !session.isEnded else { return nil }
        let hub = try Self.checkHub(hub)
        guard hub.lowercased() == connection.hub.lowercased() else { throw .notFound("the connection belongs to another hub") }
        guard let accessToken else { throw .unauthorized("no access token: send 'Authorization: Bearer <token>' or access_token=<token>") }
        do { _ = try validator.validate(accessToken, for: .client(hub: hub)) } catch { throw .unauthorized(error.reason) }
        return (connection, session)
    }

    /// On the new socket's event loop, once its handlers are in place: the session sends its
    /// Sequence and what the client may lack.
    func resume(_ connection: ClientConnection, session: ReliableSession, on output: WebSocketOutput) -> Bool {
        guard let kind = connection.protocolKind,
              session.attach(output, kind: kind, wrap: { connection.webSocketFrame($0) }) else { return false }
        connection.touchReceived()
        logger.debug("reconnected", metadata: ["connection": "\(connection.id)"])
        events.publish("reconnected", describe(connection))
        return true
    }

    /// A socket of a stateful-reconnect connection closed: true when the connection waits for
    /// its client to come back, false when it is over.
    func socketClosed(_ connection: ClientConnection, output: WebSocketOutput) -> Bool {
        guard case .reliable(let session) = connection.output,
              session.socketClosed(output, byClient: output.closedByClient) else { return false }
        if session.detachedSince != nil {
            events.publish("disconnectedForReconnect", describe(connection))
        }
        return true
    }

    /// Ends the stateful-reconnect connections whose client did not come back within the
    /// window, and those the service closed while their socket was down. Called every second.
    func sweepReliableSessions(now: ContinuousClock.Instant = .now) async {
        let candidates = reliableConnections.withLock { Array($0.values) }
        for connection in candidates {
            guard case .reliable(let session) = connection.output else { continue }
            if session.isEnded, session.socket == nil {
                await transportEnded(connection, error: nil)
            } else if let since = session.detachedSince, now - since >= configuration.reconnectWindow {
                session.end()
                await transportEnded(connection, error: "The client did not reconnect within \(configuration.reconnectWindow.components.seconds) s.")
            }
        }
    }
}
