import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// One accepted socket of the emulator: HTTP/1.1 (negotiate, the REST API, the HTTP
/// transports, through Hummingbird's router), or the WebSocket transport when its first request
/// asks for an upgrade on `/client`.
///
/// The emulator answers the upgrade itself rather than through HummingbirdWebSocket: there a
/// WebSocket is served by tasks that live as long as the connection, which costs memory for
/// every idle client and a task wake for every frame sent. Here an upgraded socket is handed to
/// `WebSocketSessionHandler` and its frames are written on its event loop (`WebSocketOutput`).
/// A refused upgrade is answered with the status and JSON reason the HTTP transports give.
struct EmulatorChannel: ServerChildChannel, HTTPChannelHandler {
    /// How the first request of a socket was handled.
    enum UpgradeResult: Sendable {
        /// The socket is a WebSocket now; its handler serves it.
        case webSocket
        /// Plain HTTP: Hummingbird serves it.
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade that was refused, and why.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, HubServiceError)
    }

    /// The socket and the outcome of its first request.
    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    /// The paths a WebSocket client connects on.
    static let webSocketPaths: Set<String> = ["/client", "/client/"]
    /// The paths an app server's connection (the service protocol) connects on.
    static let serverPaths: Set<String> = ["/server", "/server/"]

    let responder: HTTPChannelHandler.Responder
    let service: HubService

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        service.channels.track(channel)
        return channel.eventLoop.makeCompletedFuture {
            let opened = NIOLoopBoundBox<Opened?>(nil, eventLoop: channel.eventLoop)
            let refusal = NIOLoopBoundBox<HubServiceError?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: service.configuration.maximumMessageSize,
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    let promise = channel.eventLoop.makePromise(of: Result<Opened, HubServiceError>.self)
                    promise.completeWithTask { await open(head, channel: channel) }
                    return promise.futureResult.map { result -> HTTPHeaders? in
                        switch result {
                        case .success(.server(let server, _)):
                            opened.value = .server(server, server.output)
                            channel.closeFuture.whenComplete { _ in service.appServerClosed(server) }
                            return HTTPHeaders()
                        case .success(let result):
                            opened.value = result
                            guard let connection = result.connection else { return HTTPHeaders() }
                            let output = result.output
                            channel.closeFuture.whenComplete { _ in
                                // A stateful-reconnect connection outlives a socket that dropped.
                                guard !service.socketClosed(connection, output: output) else { return }
                                Task { await service.transportEnded(connection, error: connection.transportError) }
                            }
                            return HTTPHeaders()
                        case .failure(let error):
                            refusal.value = error
                            return nil
                        }
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let result = opened.value else { throw ChannelError.inappropriateOperationForState }
                        switch result {
                        case .new(let connection, let output):
                            try startSession(connection, output: output, on: channel, resuming: false)
                        case .resumed(let connection, let session, let output):
                            try startSession(connection, output: output, on: channel, resuming: true)
                            guard service.resume(connection, session: session, on: output) else {
                                throw ChannelError.inappropriateOperationForState
                            }
                        case .server(let server, let output):
                            let pipeline = channel.pipeline.syncOperations
                            try pipeline.addHandler(EncodedFrameWriter(output: output), position: .first)
                            try pipeline.addHandler(AppServerSessionHandler(server: server, service: service))
                        }
                        return .webSocket
                    }
                }
            )
            let configuration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        if let error = refusal.value { return .refused(asyncChannel, error) }
                        return .notUpgraded(asyncChannel)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: configuration)
            pipeline.enablePipelining = false  // NIOAsyncChannel reads one request after another
            pipeline.enableErrorHandling = false  // Hummingbird answers parse errors
            pipeline.enableResponseHeaderValidation = false  // HTTPTypes validated them already
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            let firstLine = RequestLineRecorder()
            try channel.pipeline.syncOperations.addHandler(firstLine, position: .first)
            try channel.pipeline.syncOperations.addHandler(UnparsableRequestHandler(firstLine: firstLine))
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .webSocket:
                // The handler in the pipeline serves the socket from here on; no task waits for it.
                break
            case .notUpgraded(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let error):
                await refuse(http, error)
            }
        } catch {
            logger.debug("connection ended before its first request was answered", metadata: ["error": "\(error)"])
        }
    }

    /// What an accepted upgrade serves: a new client connection, one that reconnects, or an
    /// app server's connection (Default mode).
    enum Opened: Sendable {
        case new(ClientConnection, WebSocketOutput)
        case resumed(ClientConnection, ReliableSession, WebSocketOutput)
        case server(AppServerConnection, WebSocketOutput)

        var connection: ClientConnection? {
            switch self {
            case .new(let connection, _), .resumed(let connection, _, _): connection
            case .server: nil
            }
        }

        var output: WebSocketOutput {
            switch self {
            case .new(_, let output), .resumed(_, _, let output), .server(_, let output): output
            }
        }
    }

    /// Checks the upgrade request as the WebSocket transport's route: path, hub, token, id; an
    /// id that names a stateful-reconnect connection reconnects it.
    private func open(_ head: HTTPRequestHead, channel: any Channel) async -> Result<Opened, HubServiceError> {
        guard let requestHead = try? HTTPRequest(head, secure: false, splitCookie: false) else {
            return .failure(.badRequest("the upgrade request is malformed"))
        }
        let request = Request(head: requestHead, body: .init(buffer: ByteBuffer()))
        let output = WebSocketOutput(eventLoop: channel.eventLoop)
        if Self.serverPaths.contains(request.uri.path) {
            do throws(HubServiceError) {
                let server = try service.connectAppServer(hub: request.query("hub"), id: request.query("cid"),
                                                          serverName: request.headers[values: HTTPField.Name("Asrs-Server-Id")!].first,
                                                          accessToken: request.accessToken, output: output)
                return .success(.server(server, output))
            } catch {
                return .failure(error)
            }
        }
        guard Self.webSocketPaths.contains(request.uri.path) else {
            return .failure(.notFound("no WebSocket endpoint at \(request.uri.path); clients connect to /client/?hub=<hub>, app servers to /server/?hub=<hub>"))
        }
        do throws(HubServiceError) {
            if let (connection, session) = try service.resumable(hub: request.query("hub"), id: request.query("id"), accessToken: request.accessToken) {
                return .success(.resumed(connection, session, output))
            }
            return .success(.new(try await service.connect(hub: request.query("hub"), id: request.query("id"), accessToken: request.accessToken,
                                                           transport: .webSockets, query: request.uri.query ?? "",
                                                           headers: ClientRequestHeaders.forwarded(request.headers, peer: channel.remoteAddress),
                                                           webSocket: output), output))
        } catch {
            return .failure(error)
        }
    }

    /// Adds the session handler, and the writer of already encoded frames in front of NIO's
    /// frame encoder (which cannot be removed, and is then unused); bounds the bytes that may
    /// wait for the client.
    private func startSession(_ connection: ClientConnection, output: WebSocketOutput, on channel: any Channel, resuming: Bool) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(EncodedFrameWriter(output: output), position: .first)
        let limit = service.configuration.outboxLimit
        try channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: limit / 2, high: limit))
        try pipeline.addHandler(WebSocketSessionHandler(connection: connection, output: output, service: service, resuming: resuming))
    }

    /// Answers a refused upgrade with its status and reason, then closes.
    private func refuse(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ error: HubServiceError) async {
        let (fields, body) = ErrorResponse.parts(status: error.status, error.reason)
        var headers = fields
        headers[.connection] = "close"
        headers[.contentLength] = String(body.readableBytes)
        try? await http.executeThenClose { _, outbound in
            try await outbound.write(contentsOf: [.head(HTTPResponse(status: .init(code: error.status), headerFields: headers)), .body(body), .end(nil)])
        }
    }
}
