import Foundation
import Logging
import NIOCore
import Synchronization

/// What a client or REST caller did wrong, as an HTTP status and a short reason.
public struct HubServiceError: Error, Equatable {
    public var status: Int
    public var reason: String

    static func unauthorized(_ reason: String) -> HubServiceError { HubServiceError(status: 401, reason: reason) }
    static func badRequest(_ reason: String) -> HubServiceError { HubServiceError(status: 400, reason: reason) }
    static func notFound(_ reason: String) -> HubServiceError { HubServiceError(status: 404, reason: reason) }
}

/// Azure SignalR Service in serverless mode, independent of HTTP: negotiation, connections,
/// hub protocol sessions, sends and upstream events. The HTTP layer only translates.
final class HubService: Sendable {
    let configuration: EmulatorConfiguration
    let registry = HubRegistry()
    /// The app servers' connections (Default mode).
    let appServers = AppServerRegistry()
    let validator: AccessTokenValidator
    let upstream: UpstreamClient
    let events: EventFeed
    /// The connections whose end is not yet handled, for the shutdown to wait on.
    let drain = ConnectionDrain()
    /// Every accepted socket, for the shutdown to close what no request will end.
    let channels = OpenChannels()
    /// Invocations sent to clients through the REST API, waiting for their results.
    let clientInvocations = ClientInvocations()
    /// This service instance's id: app servers see it as `Asrs-Instance-Id` on each client, and
    /// in the `offline` ping that tells them its clients are gone when it shuts down.
    let instanceID = Identifier.make()
    /// The spans' way out, when an OTLP endpoint is configured.
    let spans: SpanExporter?
    let logger: Logger

    /// A negotiated connection waiting for its transport.
    struct PendingConnection {
        var connectionID: String
        var hub: String
        var expires: ContinuousClock.Instant
        /// The client asked for stateful reconnect (WebSockets only).
        var statefulReconnect = false
    }

    private let pending = Mutex<[String: PendingConnection]>([:])
    /// One flush coalescer per event loop that serves WebSocket clients (see HubService+Sending).
    let coalescers = Mutex<[ObjectIdentifier: FlushCoalescer]>([:])
    /// Connections of the HTTP transports (Server-Sent Events, long polling), by the token in
    /// their `id` parameter: each of their requests names the connection again.
    private let httpConnections = Mutex<[String: ClientConnection]>([:])
    /// Stateful-reconnect connections, by the connection token a reconnect names.
    let reliableConnections = Mutex<[String: ClientConnection]>([:])

    init(configuration: EmulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.validator = AccessTokenValidator(accessKey: configuration.accessKey,
                                              temporaryKeys: TemporaryAccessKeys(lifetime: configuration.temporaryKeyLifetime),
                                              localAuthDisabled: configuration.localAuthDisabled)
        self.upstream = UpstreamClient(accessKey: configuration.accessKey, timeout: configuration.upstreamTimeout,
                                       identity: configuration.managedIdentity, logger: logger)
        self.logger = logger
        self.spans = configuration.spanExport.map { SpanExporter(export: $0, logger: logger) }
        // The recent events are for introspection (`apphost mcp`): kept only when it is on.
        self.events = EventFeed(historyLimit: configuration.introspectionToken == nil ? 0 : configuration.eventHistory)
    }

    // MARK: Negotiate and connect

    /// Validates a hub name as the service does: a letter, then letters, digits and `_`.
    static func checkHub(_ hub: String?) throws(HubServiceError) -> String {
        guard let hub, !hub.isEmpty else { throw .badRequest("the 'hub' query parameter is required") }
        guard hub.count <= 128, let first = hub.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
              hub.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_`,.[]".unicodeScalars.contains($0)) }) else {
            throw .badRequest("invalid hub name '\(hub)': start with a letter, then letters, digits or '_'")
        }
        return hub
    }

    /// `POST /client/negotiate`: a connection id (and token, for version 1) and the transports.
    func negotiate(hub: String?, accessToken: String?, negotiateVersion: Int, statefulReconnect: Bool = false) throws(HubServiceError) -> HubValue {
        let hub = try Self.checkHub(hub)
        guard let accessToken else { throw .unauthorized("no access token: send 'Authorization: Bearer <token>' or access_token=<token>") }
        do { _ = try validator.validate(accessToken, for: .client(hub: hub)) } catch { throw .unauthorized(error.reason) }
        let connectionID = Identifier.make()
        let token = negotiateVersion >= 1 ? Identifier.make() : connectionID
        let stateful = statefulReconnect && negotiateVersion >= 1
        pending.withLock {
            $0[token] = PendingConnection(connectionID: connectionID, hub: hub, expires: .now + configuration.negotiateTimeout, statefulReconnect: stateful)
        }
        func transport(_ kind: TransportKind, _ formats: [String]) -> HubValue {
            .map([HubPair(.string("transport"), .string(kind.rawValue)), HubPair(.string("transferFormats"), .array(formats.map { .string($0) }))])
        }
        var pairs = [HubPair(.string("negotiateVersion"), .int(negotiateVersion >= 1 ? 1 : 0)),
                     HubPair(.string("connectionId"), .string(connectionID))]
        if negotiateVersion >= 1 { pairs.append(HubPair(.string("connectionToken"), .string(token))) }
        pairs.append(HubPair(.string("availableTransports"), .array([
            transport(.webSockets, ["Text", "Binary"]),
            transport(.serverSentEvents, ["Text"]),
            transport(.longPolling, ["Text", "Binary"]),
        ])))
        if stateful { pairs.append(HubPair(.string("useStatefulReconnect"), .bool(true))) }
        return .map(pairs)
    }

    /// Opens a connection for a transport request: checks the token, claims the negotiated id
    /// (or, for a WebSocket without `id`, makes one), and asks an upstream that handles the
    /// blocking `connect` event. A WebSocket brings its writer; the HTTP transports get a queue.
    func connect(hub: String?, id: String?, accessToken: String?, transport: TransportKind, query: String,
                 headers: [ServiceHeader] = [], webSocket: WebSocketOutput? = nil) async throws(HubServiceError) -> ClientConnection {
        let parent = headers.first { $0.name.lowercased() == "traceparent" }?.values.first.flatMap(TraceContext.init(traceparent:))
        return try await traced("connect \(hub ?? "")", kind: .server, parent: parent) { span throws(HubServiceError) in
            span?.set("signalr.transport", .string(transport.rawValue))
            do throws(HubServiceError) {
                let connection = try await open(hub: hub, id: id, accessToken: accessToken, transport: transport, query: query,
                                                headers: headers, webSocket: webSocket)
                span?.set("signalr.connection_id", .string(connection.id))
                if let user = connection.userID { span?.set("enduser.id", .string(user)) }
                return connection
            } catch {
                span?.fail(error.reason)
                throw error
            }
        }
    }

    private func open(hub: String?, id: String?, accessToken: String?, transport: TransportKind, query: String,
                      headers: [ServiceHeader], webSocket: WebSocketOutput?) async throws(HubServiceError) -> ClientConnection {
        let hub = try Self.checkHub(hub)
        guard let accessToken else { throw .unauthorized("no access token: send 'Authorization: Bearer <token>' or access_token=<token>") }
        let claims: TokenClaims
        do { claims = try validator.validate(accessToken, for: .client(hub: hub)) } catch { throw .unauthorized(error.reason) }
        let connectionID: String
        var stateful = false
        if let id {
            let claimed = pending.withLock { $0.removeValue(forKey: id) }
            guard let claimed, claimed.expires > .now else { throw .notFound("no connection with this id: negotiate first") }
            guard claimed.hub.lowercased() == hub.lowercased() else { throw .notFound("the connection was negotiated for another hub") }
            connectionID = claimed.connectionID
            stateful = claimed.statefulReconnect
        } else {
            guard transport == .webSockets else { throw .badRequest("the 'id' query parameter is required for \(transport.rawValue)") }
            connectionID = Identifier.make()
        }
        let output: ConnectionOutput
        switch (webSocket, id) {
        case (let socket?, let token?) where stateful:
            output = .reliable(ReliableSession(token: token, limit: configuration.reconnectBufferLimit, socket: socket))
        case (let socket?, _): output = .webSocket(socket)
        case (nil, _): output = .queued(Outbox(limit: configuration.outboxLimit))
        }
        let connection = ClientConnection(id: connectionID, hub: hub, userID: claims.userID, claims: claims, clientQuery: query,
                                          requestHeaders: headers, transport: transport, output: output)
        if let rule = UpstreamRule.firstMatch(in: configuration.upstream, hub: hub, category: .connections, event: "connect", explicitOnly: true) {
            let outcome = await callUpstream(rule, connection: connection, category: .connections, event: "connect", body: Array("{}".utf8), contentType: "application/json")
            guard case .response(let status, _, _) = outcome, (200..<300).contains(status) else {
                let detail = if case .response(let status, _, _) = outcome { "status \(status)" } else { "no answer" }
                throw HubServiceError(status: 403, reason: "the upstream refused the connection (\(detail))")
            }
        }
        registry.add(connection)
        drain.enter()
        if case .reliable(let session) = output { reliableConnections.withLock { $0[session.token] = connection } }
        return connection
    }

    /// Remembers an HTTP-transport connection under its token.
    func attach(_ connection: ClientConnection, token: String) {
        httpConnections.withLock { $0[token] = connection }
    }

    /// The HTTP-transport connection with this token, if it is still open.
    func attached(token: String?) -> ClientConnection? {
        guard let token else { return nil }
        return httpConnections.withLock { $0[token] }
    }

    /// Forgets an HTTP-transport connection.
    func detach(token: String) {
        httpConnections.withLock { _ = $0.removeValue(forKey: token) }
    }

    /// Every long-polling connection still attached.
    func longPollingConnections() -> [ClientConnection] {
        httpConnections.withLock { connections in
            connections.values.filter { $0.transport == .longPolling }
        }
    }

    /// Ends long-polling connections that were closed and whose client stopped polling, so
    /// they do not stay attached forever (a poll is what normally ends them).
    func sweepAbandonedHTTPConnections(now: ContinuousClock.Instant = .now) async {
        let abandoned = httpConnections.withLock { connections in
            let gone = connections.filter { _, connection in
                registry.connection(connection.id, hub: connection.hub) == nil
                    && connection.idleTimes(now: now).received >= configuration.clientTimeout
            }
            for token in gone.keys { connections[token] = nil }
            return Array(gone.values)
        }
        for connection in abandoned { await transportEnded(connection, error: "The client stopped polling.") }
    }

    // MARK: Sessions

    /// Handles bytes from a client; false when the connection must end.
    func receive(_ bytes: some Collection<UInt8>, from connection: ClientConnection, decoder: inout HubFrameDecoder) async -> Bool {
        connection.touchReceived()
        if let server = connection.appServer {
            // Default mode: the app server's hub reads the client's messages.
            forward(Array(bytes), from: connection, to: server)
            return !connection.isClosed
        }
        decoder.append(bytes)
        while true {
            let record: [UInt8]
            do {
                guard let next = try decoder.nextRecord() else { return !connection.isClosed }
                record = next
            } catch {
                close(connection, error: "Invalid message: \(error.reason)")
                return false
            }
            guard let kind = connection.protocolKind else {
                if let server = appServers.next(hub: connection.hub) {
                    return routeHandshake(record, of: connection, to: server, decoder: &decoder)
                }
                if configuration.serviceMode == .default { return refuseHandshake(connection, Self.noAppServer) }
                guard handshake(record, connection: connection, decoder: &decoder) else { return false }
                await announce(connection)
                continue
            }
            let message: HubMessage
            do {
                message = try kind.decodeBody(record)
            } catch {
                close(connection, error: "Invalid message: \(error.reason)")
                return false
            }
            if case .reliable(let session) = connection.output {
                switch session.receive(message) {
                case .process: break
                case .skip: continue
                case .invalid(let reason):
                    close(connection, error: reason)
                    return false
                }
            }
            switch message {
            case .invocation(let invocation):
                await handleInvocation(invocation, body: record, connection: connection, kind: kind)
            case .streamInvocation(let invocation):
                await handleStreamInvocation(invocation, body: record, connection: connection, kind: kind)
            case .completion(let completion):
                // A client's result for an invocation an app sent through `:invoke`.
                clientInvocations.complete(connectionID: connection.id, invocationID: completion.invocationID, outcome: completion.outcome)
            case .close:
                close(connection, error: nil)
                return false
            case .ack(let id):
                if case .reliable(let session) = connection.output { session.acknowledge(id) }
            case .ping, .cancelInvocation, .streamItem, .sequence:
                continue
            }
        }
    }

    /// Answers the handshake; false (after an error reply) when it is refused.
    private func handshake(_ record: [UInt8], connection: ClientConnection, decoder: inout HubFrameDecoder) -> Bool {
        guard let (kind, version) = requestedProtocol(record, of: connection, checkingVersion: true) else { return false }
        // Version 2 brings Ack and Sequence: stateful reconnect, if it was negotiated.
        if version >= 2, case .reliable(let session) = connection.output { session.enable() }
        connection.setProtocol(kind)
        decoder.kind = kind
        deliver(ByteBuffer(bytes: Array("{}".utf8) + [JSONHubProtocol.recordSeparator]), to: connection)
        return true
    }

    /// The hub protocol and version a client's handshake asks for, or nil after refusing it:
    /// not a handshake, a protocol the emulator cannot carry, a binary one on Server-Sent Events,
    /// or (`checkingVersion`, when the emulator itself serves the client) a version it lacks.
    func requestedProtocol(_ record: [UInt8], of connection: ClientConnection, checkingVersion: Bool) -> (HubProtocolKind, Int)? {
        let request: HandshakeRequest
        do { request = try HandshakeRequest(json: record) } catch {
            refuseHandshake(connection, "Invalid handshake: \(error.reason)")
            return nil
        }
        guard let kind = HubProtocolKind(rawValue: request.protocolName) else {
            refuseHandshake(connection, "The protocol '\(request.protocolName)' is not supported.")
            return nil
        }
        if checkingVersion, !kind.versions.contains(request.version) {
            refuseHandshake(connection, "The server does not support version \(request.version) of the '\(kind.rawValue)' protocol.")
            return nil
        }
        if kind.isBinary && connection.transport == .serverSentEvents {
            refuseHandshake(connection, "Cannot use the '\(kind.rawValue)' protocol on the current transport. The transport does not support 'Binary' transfer format.")
            return nil
        }
        return (kind, request.version)
    }

    /// Answers a refused handshake with its error, then closes the connection; returns false.
    @discardableResult
    func refuseHandshake(_ connection: ClientConnection, _ error: String) -> Bool {
        let reply = JSONCodec.encode(.map([HubPair(.string("error"), .string(error))])) + [JSONHubProtocol.recordSeparator]
        deliver(ByteBuffer(bytes: reply), to: connection)
        close(connection, error: nil, sendCloseMessage: false)
        return false
    }

    /// After a handshake: the event feed and the `connected` upstream event.
    private func announce(_ connection: ClientConnection) async {
        logger.debug("connected", metadata: ["hub": "\(connection.hub)", "connection": "\(connection.id)"])
        events.publish("connected", describe(connection))
        await notifyUpstream(connection, event: "connected", fields: [("type", .int(10))])
    }

    // MARK: Closing

    /// Closes a connection from the service side: it leaves the registry at once, and its
    /// transport writes the Close message and ends.
    func close(_ connection: ClientConnection, error: String?, allowReconnect: Bool = false, sendCloseMessage: Bool = true) {
        registry.remove(connection)
        let frame = sendCloseMessage ? connection.protocolKind.map { ByteBuffer(bytes: $0.encodeFrame(.close(error: error, allowReconnect: allowReconnect))) } : nil
        connection.finishOutput(closeFrame: frame)
        if let error { logger.debug("closing connection: \(error)", metadata: ["connection": "\(connection.id)"]) }
    }

    /// Called by the transport when the connection is over, whoever ended it. What still waits
    /// for the client is dropped, unless `keepingQueued` (a long-polling client may still come
    /// for its Close message).
    func transportEnded(_ connection: ClientConnection, error: String?, keepingQueued: Bool = false) async {
        registry.remove(connection)
        if !keepingQueued { connection.abandonOutput() }
        guard connection.markClosed() else { return }
        defer { drain.leave() }
        clientInvocations.connectionEnded(connection.id)
        if let server = connection.appServer, !connection.wasClosedByAppServer {
            server.send(.closeConnection(connectionID: connection.id, error: error, headers: [], .none))
        }
        if case .reliable(let session) = connection.output { _ = reliableConnections.withLock { $0.removeValue(forKey: session.token) } }
        guard connection.protocolKind != nil else { return }
        events.publish("disconnected", describe(connection) + (error.map { [("error", HubValue.string($0))] } ?? []))
        await notifyUpstream(connection, event: "disconnected", fields: [("type", .int(11))] + (error.map { [("error", .string($0))] } ?? []))
    }

    // MARK: Housekeeping

    /// Pings idle clients, drops silent ones and those that never finished their handshake,
    /// and forgets expired negotiations and memberships. Called every second.
    func tick(now: ContinuousClock.Instant = .now) {
        let ping = EncodedMessage(.ping)
        for connection in registry.allConnections() {
            if case .reliable(let session) = connection.output {
                // A socket that dropped is the reconnect window's business, not the timeout's.
                guard session.detachedSince == nil else { continue }
                if let ack = session.pendingAck() { send(ack, to: connection) }
            }
            let idle = connection.idleTimes(now: now)
            guard let kind = connection.protocolKind else {
                if idle.received >= configuration.handshakeTimeout { close(connection, error: "Handshake was not received in time.") }
                continue
            }
            if idle.received >= configuration.clientTimeout {
                close(connection, error: "Server timeout elapsed without receiving a message from the client.")
            } else if idle.sent >= configuration.keepAliveInterval {
                deliver(ping.frame(for: kind), to: connection)
            }
        }
        pending.withLock { pending in pending = pending.filter { $0.value.expires > now } }
        registry.sweepExpired(now: now)
    }

    /// A connection's fields for events and the state view.
    func describe(_ connection: ClientConnection) -> [(String, HubValue)] {
        [("hub", .string(connection.hub)), ("connectionId", .string(connection.id)),
         ("userId", connection.userID.map { .string($0) } ?? .null), ("transport", .string(connection.transport.rawValue)),
         ("protocol", connection.protocolKind.map { .string($0.rawValue) } ?? .null)]
    }
}
