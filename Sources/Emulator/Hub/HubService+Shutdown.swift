/// The graceful shutdown: every client is told, every app hears that its clients left, and the
/// emulator is done within `EmulatorConfiguration.shutdownTimeout` whatever the clients do.
extension HubService {
    /// What a shutdown did, for the log.
    struct ShutdownReport: Sendable {
        /// Connections that were open when the shutdown began.
        var connections: Int
        /// Sockets still open once the clients were done (idle keep-alive connections, requests
        /// that never finished), closed without waiting.
        var socketsClosed: Int
        /// Connections whose end was still not handled at the deadline.
        var connectionsLeft: Int
    }

    /// Closes every client with a reconnectable Close message and waits, until half the
    /// timeout, for their transports to end and their `disconnected` events to reach the
    /// upstream; then closes every socket still open (clients that do not read, half-sent
    /// requests, silent sockets) and waits for the rest until the deadline. Only then is the
    /// upstream client stopped, so no event is lost to a client that is already shut down.
    func shutDown() async -> ShutdownReport {
        let start = ContinuousClock.now
        let halfTime = start + configuration.shutdownTimeout / 2
        let deadline = start + configuration.shutdownTimeout * 0.9
        let connections = registry.allConnections()
        for connection in connections {
            close(connection, error: "The emulator is shutting down.", allowReconnect: true)
        }
        // App servers drop whatever they still hold of this instance's clients, as they do when
        // an Azure instance goes offline, before their server connections close.
        for server in appServers.all() where server.currentPhase != .closed {
            server.send(.ping(["offline", instanceID]))
        }
        // A long-polling client between two polls has no request to answer, so its end is
        // handled now; its Close message stays queued for the poll it may still send. (A poll
        // that is waiting has been handed the Close message already.)
        for connection in longPollingConnections() {
            await transportEnded(connection, error: nil, keepingQueued: true)
        }
        // A stateful-reconnect client whose socket is down will not come back in time.
        await sweepReliableSessions()
        _ = await drain.wait(until: halfTime)
        // Introspection streams (the dashboard's feed) end with the disconnections in them.
        events.finishAll()
        let socketsClosed = channels.closeAll()
        _ = await drain.wait(until: deadline)
        let left = drain.open
        await upstream.shutdown()
        return ShutdownReport(connections: connections.count, socketsClosed: socketsClosed, connectionsLeft: left)
    }
}
