import Hummingbird
import NIOCore

/// The client-facing HTTP routes: negotiate, and the Server-Sent Events and long polling
/// transports (which carry client-to-server messages in POSTs).
enum ClientEndpoints {
    /// How long a poll waits for messages before answering empty, as ASP.NET Core does.
    static let pollTimeout: Duration = .seconds(90)

    static func addRoutes(to router: Router<EmulatorRequestContext>, service: HubService) {
        for path in ["/client/negotiate"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                service.traced("negotiate \(request.query("hub") ?? "")", kind: .server, parent: request.traceContext) { span in
                    do throws(HubServiceError) {
                        let version = request.query("negotiateVersion").flatMap { Int($0) } ?? 0
                        let stateful = request.query("useStatefulReconnect")?.lowercased() == "true"
                        return JSONResponse.make(try service.negotiate(hub: request.query("hub"), accessToken: request.accessToken,
                                                                       negotiateVersion: version, statefulReconnect: stateful))
                    } catch {
                        span?.fail(error.reason)
                        return ErrorResponse.make(error)
                    }
                }
            }
        }
        for path in ["/client"] {
            router.get(RouterPath(path)) { request, context -> Response in
                if request.headers[.accept]?.contains("text/event-stream") == true {
                    return await serverSentEvents(request, context: context, service: service)
                }
                return await poll(request, context: context, service: service)
            }
            router.post(RouterPath(path)) { request, context -> Response in
                // Long polling clients may send their handshake before their first poll: the
                // negotiated connection opens then, as in ASP.NET Core.
                var connection = service.attached(token: request.query("id"))
                if connection == nil, case .success(let opened) = await open(request, context: context, transport: .longPolling, service: service) {
                    connection = opened.0
                }
                guard let connection else {
                    return ErrorResponse.make(status: 404, "no connection with this id")
                }
                var request = request
                let limit = service.configuration.maximumMessageSize
                let body: ByteBuffer
                do { body = try await request.collectBody(upTo: limit) } catch {
                    return ErrorResponse.make(status: 413, "the message is larger than \(limit) bytes")
                }
                var decoder = connection.takeHTTPDecoder(maximumMessageSize: service.configuration.maximumMessageSize)
                _ = await service.receive(Array(buffer: body), from: connection, decoder: &decoder)
                connection.keepHTTPDecoder(decoder)
                return Response(status: .ok)
            }
            router.delete(RouterPath(path)) { request, _ -> Response in
                guard let token = request.query("id"), let connection = service.attached(token: token) else {
                    return ErrorResponse.make(status: 404, "no connection with this id")
                }
                service.close(connection, error: nil, sendCloseMessage: false)
                return Response(status: .accepted)
            }
        }
    }

    /// Opens a connection for an HTTP transport, or answers why not.
    private static func open(_ request: Request, context: EmulatorRequestContext, transport: TransportKind, service: HubService) async -> Result<(ClientConnection, String), HubServiceError> {
        guard let token = request.query("id") else { return .failure(.badRequest("the 'id' query parameter is required")) }
        do throws(HubServiceError) {
            let connection = try await service.connect(hub: request.query("hub"), id: token, accessToken: request.accessToken,
                                                       transport: transport, query: request.uri.query ?? "",
                                                       headers: ClientRequestHeaders.forwarded(request.headers, peer: context.remoteAddress))
            service.attach(connection, token: token)
            return .success((connection, token))
        } catch {
            return .failure(error)
        }
    }

    /// `GET` with `Accept: text/event-stream`: one long response, each hub frame an event.
    private static func serverSentEvents(_ request: Request, context: EmulatorRequestContext, service: HubService) async -> Response {
        let connection: ClientConnection, token: String
        switch await open(request, context: context, transport: .serverSentEvents, service: service) {
        case .success(let opened): (connection, token) = opened
        case .failure(let error): return ErrorResponse.make(error)
        }
        guard let outbox = connection.outbox else { return ErrorResponse.make(status: 500, "the connection has no queue") }
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var endError: String?
            do {
                // An empty comment first, so the client sees the stream open at once.
                try await writer.write(ByteBuffer(string: ":\r\n\r\n"))
                loop: while let item = await outbox.next() {
                    switch item {
                    case .frame(let bytes):
                        try await writer.write(event(bytes))
                    case .finish(let closeFrame):
                        if let closeFrame { try await writer.write(event(closeFrame)) }
                        break loop
                    }
                }
            } catch {
                endError = "\(error)"
            }
            service.detach(token: token)
            await service.transportEnded(connection, error: endError)
            try? await writer.finish(nil)
        })
    }

    /// One Server-Sent Event carrying a frame: each line of it a `data:` line.
    private static func event(_ buffer: ByteBuffer) -> ByteBuffer {
        var text = ""
        for line in String(buffer: buffer).split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: " + line + "\r\n"
        }
        return ByteBuffer(string: text + "\r\n")
    }

    /// `GET` for long polling: the first poll opens the connection and answers at once; later
    /// polls wait up to 90 s for frames; a poll after the connection ended answers 204.
    private static func poll(_ request: Request, context: EmulatorRequestContext, service: HubService) async -> Response {
        guard let connection = service.attached(token: request.query("id")) else {
            switch await open(request, context: context, transport: .longPolling, service: service) {
            case .success: return Response(status: .ok, headers: [.contentType: "application/octet-stream"])
            case .failure(let error): return ErrorResponse.make(error)
            }
        }
        let token = request.query("id") ?? ""
        guard let outbox = connection.outbox else { return ErrorResponse.make(status: 400, "this connection is not a long polling one") }
        connection.touchReceived()
        // Wait for the first frame or the timeout; a frame taken just as the timeout fired is
        // still collected from the group, never lost.
        let waited: [Outbox.Item] = await withTaskGroup(of: Outbox.Item?.self) { group in
            group.addTask { await outbox.next() }
            group.addTask {
                try? await Task.sleep(for: pollTimeout)
                return nil
            }
            var items: [Outbox.Item] = []
            if let first = await group.next(), let item = first { items.append(item) }
            group.cancelAll()
            for await result in group { if let item = result { items.append(item) } }
            return items
        }
        var body = ByteBuffer()
        var finished = false
        for item in waited + outbox.drainQueued() {
            switch item {
            case .frame(let frame): body.writeImmutableBuffer(frame)
            case .finish(let closeFrame):
                if let closeFrame { body.writeImmutableBuffer(closeFrame) }
                finished = true
            }
        }
        if finished {
            service.detach(token: token)
            await service.transportEnded(connection, error: nil)
            if body.readableBytes == 0 { return Response(status: .noContent) }
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: body))
    }
}
