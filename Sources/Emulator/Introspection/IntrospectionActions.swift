import Hummingbird
import NIOCore

/// `/_apphost/recent` and `/_apphost/send`: the newest events kept, and a message sent to a
/// hub's clients, for tools that come after the fact (`apphost mcp`). Guarded by the same
/// introspection token as the state and the live feed.
enum IntrospectionActions {
    static func addRoutes(to router: Router<EmulatorRequestContext>, service: HubService) {
        router.get("/_apphost/recent") { request, _ -> Response in
            if let refusal = IntrospectionEndpoints.check(request, service: service) { return refusal }
            let limit = request.query("limit").flatMap { Int($0) } ?? 100
            return recent(service, limit: limit)
        }
        router.post("/_apphost/send") { request, _ -> Response in
            if let refusal = IntrospectionEndpoints.check(request, service: service) { return refusal }
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: service.configuration.maximumMessageSize) } catch {
                return ErrorResponse.make(status: 413, "the message is larger than \(service.configuration.maximumMessageSize) bytes")
            }
            return send(Array(buffer: body), service: service)
        }
    }

    /// `{"events": [...], "dropped": N}`: the newest `limit` events, oldest first.
    static func recent(_ service: HubService, limit: Int) -> Response {
        let (events, dropped) = service.events.recent(limit: limit)
        var body = Array(#"{"dropped":\#(dropped),"events":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += event
        }
        body += Array("]}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Sends `{"hub", "target", "arguments", and one of "connectionId", "userId", "group"}` (none:
    /// every client of the hub); answers `{"recipients": N}`.
    static func send(_ body: [UInt8], service: HubService) -> Response {
        let message: HubValue
        do { message = try JSONCodec.decode(body) } catch {
            return ErrorResponse.make(status: 400, "the body is not JSON: \(error.reason)")
        }
        let hub: String
        do { hub = try HubService.checkHub(message["hub"]?.string) } catch { return ErrorResponse.make(error) }
        let invocation: Invocation
        switch RESTAPI.parseInvocation(message) {
        case .failure(let error): return ErrorResponse.make(error)
        case .success(let parsed): invocation = parsed
        }
        let registry = service.registry
        let connections: [ClientConnection]
        if let id = message["connectionId"]?.string {
            connections = registry.connection(id, hub: hub).map { [$0] } ?? []
        } else if let user = message["userId"]?.string {
            connections = registry.connections(user: user, hub: hub)
        } else if let group = message["group"]?.string {
            connections = registry.connections(group: group, hub: hub)
        } else {
            connections = registry.connections(hub: hub)
        }
        let delivered = service.send(invocation, to: connections, hub: hub)
        return JSONResponse.make(.map([HubPair(.string("recipients"), .int(Int64(delivered)))]))
    }
}
