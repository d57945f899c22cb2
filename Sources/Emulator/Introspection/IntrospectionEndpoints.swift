import Foundation
import Hummingbird
import NIOCore

/// `/_apphost/state` and `/_apphost/events`: what the emulator holds and what happens in it,
/// for the dashboard and tests. Guarded by the token given on the command line.
enum IntrospectionEndpoints {
    static func addRoutes(to router: Router<EmulatorRequestContext>, service: HubService) {
        router.get("/_apphost/state") { request, _ -> Response in
            if let refusal = check(request, service: service) { return refusal }
            return JSONResponse.make(state(service))
        }
        router.get("/_apphost/events") { request, _ -> Response in
            if let refusal = check(request, service: service) { return refusal }
            let events = service.events.subscribe()
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ":\n\n"))
                for await event in events {
                    // An empty event is the feed's heartbeat: a comment keeps the stream alive
                    // and lets a departed reader be noticed.
                    try await writer.write(ByteBuffer(string: event.isEmpty ? ":\n\n" : "data: " + String(decoding: event, as: UTF8.self) + "\n\n"))
                }
                try await writer.finish(nil)
            })
        }
    }

    /// A 401 or 404 unless the request carries the introspection token.
    static func check(_ request: Request, service: HubService) -> Response? {
        guard let expected = service.configuration.introspectionToken else {
            return ErrorResponse.make(status: 404, "introspection is off: start the emulator with --introspection-token")
        }
        let given = request.query("token") ?? request.accessToken ?? ""
        // Compare without stopping at the first difference.
        let match = given.utf8.count == expected.utf8.count && zip(given.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        return match ? nil : ErrorResponse.make(status: 401, "the introspection token is missing or wrong")
    }

    /// Hubs, their connections (id, user, groups, transport, protocol, since, the app server it
    /// is routed to) and counters; the app servers' connections (Default mode).
    static func state(_ service: HubService) -> HubValue {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var total = 0
        let hubs: [HubValue] = service.registry.snapshot().map { hub in
            total += hub.connections.count
            let connections: [HubValue] = hub.connections.map { connection in
                .map(service.describe(connection).filter { $0.0 != "hub" }.map { HubPair(.string($0.0), $0.1) } + [
                    HubPair(.string("groups"), .array(service.registry.groups(of: connection).map { .string($0) })),
                    HubPair(.string("connectedAt"), .string(formatter.string(from: connection.connectedAt))),
                    HubPair(.string("appServer"), connection.appServer.map { .string($0.serverID) } ?? .null),
                ])
            }
            return .map([
                HubPair(.string("name"), .string(hub.hub)),
                HubPair(.string("messagesIn"), .uint(hub.counters.messagesIn)),
                HubPair(.string("messagesOut"), .uint(hub.counters.messagesOut)),
                HubPair(.string("connections"), .array(connections)),
            ])
        }
        let clients = service.registry.allConnections()
        let servers: [HubValue] = service.appServers.all().sorted { $0.connectedAt < $1.connectedAt }.map { server in
            .map([
                HubPair(.string("hub"), .string(server.hub)),
                HubPair(.string("connectionId"), .string(server.id)),
                HubPair(.string("server"), .string(server.serverID)),
                HubPair(.string("state"), .string(server.stateName)),
                HubPair(.string("clients"), .int(Int64(clients.filter { $0.appServer === server }.count))),
                HubPair(.string("messagesToServer"), .uint(server.messagesToServer)),
                HubPair(.string("messagesFromServer"), .uint(server.messagesFromServer)),
                HubPair(.string("connectedAt"), .string(formatter.string(from: server.connectedAt))),
            ])
        }
        return .map([HubPair(.string("connectionCount"), .int(Int64(total))), HubPair(.string("hubs"), .array(hubs)),
                     HubPair(.string("servers"), .array(servers))])
    }
}
