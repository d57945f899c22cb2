import Hummingbird

/// The routes of each document, past `/hubs/{hub}`, parsed into enums so each handler is one
/// case of a switch.
extension RESTAPI {
    /// The v1 routes.
    enum V1Route {
        case broadcast
        case user(String)
        case userGroups(String)
        case connection(String)
        case group(String)
        case groupConnection(group: String, connection: String)
        case groupUser(group: String, user: String)

        init?(_ segments: [String]) {
            switch segments.count {
            case 0: self = .broadcast
            case 2 where segments[0] == "users": self = .user(segments[1])
            case 3 where segments[0] == "users" && segments[2] == "groups": self = .userGroups(segments[1])
            case 2 where segments[0] == "connections": self = .connection(segments[1])
            case 2 where segments[0] == "groups": self = .group(segments[1])
            case 4 where segments[0] == "groups" && segments[2] == "connections": self = .groupConnection(group: segments[1], connection: segments[3])
            case 4 where segments[0] == "groups" && segments[2] == "users": self = .groupUser(group: segments[1], user: segments[3])
            default: return nil
            }
        }

        var group: String? {
            switch self {
            case .group(let group), .groupConnection(let group, _), .groupUser(let group, _): group
            default: nil
            }
        }

        /// The methods the v1 document gives this route.
        var methods: [HTTPRequest.Method] {
            switch self {
            case .broadcast: [.post]
            case .user, .group: [.post, .get, .head]
            case .userGroups: [.delete]
            case .connection: [.post, .get, .head, .delete]
            case .groupConnection: [.put, .delete]
            case .groupUser: [.get, .head, .put, .delete]
            }
        }
    }

    /// The routes of the dated documents: 2022-06-01, and what 2024-12-01 adds (client tokens,
    /// client invocations, streams, commands with a filter, a group's connections).
    enum V2022Route {
        case send, closeConnections
        case connection(String), sendToConnection(String), connectionGroups(String)
        case group(String), closeGroup(String), sendToGroup(String), groupConnection(group: String, connection: String)
        case user(String), closeUser(String), sendToUser(String), userGroups(String), userGroup(user: String, group: String)
        case generateToken, execute, invoke(String), groupConnections(String)
        case sendToStream(connection: String, stream: String), completeStream(connection: String, stream: String)

        init?(_ segments: [String]) {
            let first = segments.first, count = segments.count
            switch (first, count) {
            case (":send"?, 1): self = .send
            case (":closeConnections"?, 1): self = .closeConnections
            case (":generateToken"?, 1): self = .generateToken
            case (":execute"?, 1): self = .execute
            case ("connections"?, 2): self = .connection(segments[1])
            case ("connections"?, 3) where segments[2] == ":send": self = .sendToConnection(segments[1])
            case ("connections"?, 3) where segments[2] == ":invoke": self = .invoke(segments[1])
            case ("connections"?, 3) where segments[2] == "groups": self = .connectionGroups(segments[1])
            case ("connections"?, 5) where segments[2] == "streams" && segments[4] == ":send":
                self = .sendToStream(connection: segments[1], stream: segments[3])
            case ("connections"?, 5) where segments[2] == "streams" && segments[4] == ":complete":
                self = .completeStream(connection: segments[1], stream: segments[3])
            case ("groups"?, 2): self = .group(segments[1])
            case ("groups"?, 3) where segments[2] == "connections": self = .groupConnections(segments[1])
            case ("groups"?, 3) where segments[2] == ":closeConnections": self = .closeGroup(segments[1])
            case ("groups"?, 3) where segments[2] == ":send": self = .sendToGroup(segments[1])
            case ("groups"?, 4) where segments[2] == "connections": self = .groupConnection(group: segments[1], connection: segments[3])
            case ("users"?, 2): self = .user(segments[1])
            case ("users"?, 3) where segments[2] == ":closeConnections": self = .closeUser(segments[1])
            case ("users"?, 3) where segments[2] == ":send": self = .sendToUser(segments[1])
            case ("users"?, 3) where segments[2] == "groups": self = .userGroups(segments[1])
            case ("users"?, 4) where segments[2] == "groups": self = .userGroup(user: segments[1], group: segments[3])
            default: return nil
            }
        }

        var group: String? {
            switch self {
            case .group(let group), .closeGroup(let group), .sendToGroup(let group), .groupConnection(let group, _), .userGroup(_, let group),
                 .groupConnections(let group): group
            default: nil
            }
        }

        var user: String? {
            switch self {
            case .user(let user), .closeUser(let user), .sendToUser(let user), .userGroups(let user), .userGroup(let user, _): user
            default: nil
            }
        }

        /// The methods the dated documents give this route.
        var methods: [HTTPRequest.Method] {
            switch self {
            case .send, .closeConnections, .generateToken, .execute, .sendToConnection, .invoke, .sendToStream, .completeStream,
                 .closeGroup, .sendToGroup, .closeUser, .sendToUser: [.post]
            case .connection: [.head, .delete]
            case .connectionGroups, .userGroups: [.delete]
            case .group, .user: [.head]
            case .groupConnections: [.get]
            case .groupConnection: [.put, .delete]
            case .userGroup: [.head, .put, .delete]
            }
        }
    }

    /// `/api/v1/hubs/{hub}/...`
    func v1(_ parsed: V1Route, hub: String, _ request: inout Request, context: EmulatorRequestContext) async -> Response {
        if let group = parsed.group, let problem = checkGroup(group) { return ErrorResponse.make(problem) }
        let registry = service.registry, method = request.method
        switch (parsed, method) {
        case (.broadcast, .post):
            let excluded = excluded(request)
            return await send(&request, context: context, hub: hub) { registry.connections(hub: hub, excluding: excluded) }
        case (.user(let user), .post):
            return await send(&request, context: context, hub: hub) { registry.connections(user: user, hub: hub) }
        case (.user(let user), .get), (.user(let user), .head):
            return exists(registry.userExists(user, hub: hub), request)
        case (.userGroups(let user), .delete):
            registry.removeUser(user, fromGroup: nil, hub: hub)
            return Response(status: .ok)
        case (.connection(let id), .post):
            return await send(&request, context: context, hub: hub) { registry.connection(id, hub: hub).map { [$0] } ?? [] }
        case (.connection(let id), .get), (.connection(let id), .head):
            return exists(registry.connection(id, hub: hub) != nil, request)
        case (.connection(let id), .delete):
            close(registry.connection(id, hub: hub).map { [$0] } ?? [], request: request)
            return Response(status: .accepted)
        case (.group(let group), .post):
            let excluded = excluded(request)
            return await send(&request, context: context, hub: hub) { registry.connections(group: group, hub: hub, excluding: excluded) }
        case (.group(let group), .get), (.group(let group), .head):
            return exists(registry.groupExists(group, hub: hub), request)
        case (.groupConnection(let group, let id), .put):
            return exists(registry.addConnection(id, toGroup: group, hub: hub), request)
        case (.groupConnection(let group, let id), .delete):
            return exists(registry.removeConnection(id, fromGroup: group, hub: hub), request)
        case (.groupUser(let group, let user), .get), (.groupUser(let group, let user), .head):
            return exists(registry.isUser(user, inGroup: group, hub: hub), request)
        case (.groupUser(let group, let user), .put):
            return addUser(user, to: group, hub: hub, request: request, status: .accepted)
        case (.groupUser(let group, let user), .delete):
            registry.removeUser(user, fromGroup: group, hub: hub)
            return Response(status: .accepted)
        default:
            return methodNotAllowed(parsed.methods)
        }
    }

    /// `/api/hubs/{hub}/...?api-version=2022-06-01`
    func v2022(_ parsed: V2022Route, hub: String, _ request: inout Request, context: EmulatorRequestContext) async -> Response {
        if let group = parsed.group, let problem = checkGroup(group) { return ErrorResponse.make(problem) }
        if let user = parsed.user, user.isEmpty || user.count > 1024 {
            return ErrorResponse.make(status: 400, "invalid user id: 1 to 1024 characters")
        }
        let registry = service.registry, method = request.method
        switch (parsed, method) {
        case (.send, .post):
            let excluded = excluded(request)
            return await send(&request, context: context, hub: hub) { registry.connections(hub: hub, excluding: excluded) }
        case (.closeConnections, .post):
            close(registry.connections(hub: hub, excluding: excluded(request)), request: request)
            return empty(.noContent)
        case (.connection(let id), .head):
            return exists(registry.connection(id, hub: hub) != nil, request)
        case (.connection(let id), .delete):
            close(registry.connection(id, hub: hub).map { [$0] } ?? [], request: request)
            return success(.ok)
        case (.sendToConnection(let id), .post):
            return await send(&request, context: context, hub: hub) { registry.connection(id, hub: hub).map { [$0] } ?? [] }
        case (.connectionGroups(let id), .delete):
            _ = registry.removeConnection(id, fromGroup: nil, hub: hub)
            return success(.ok)
        case (.group(let group), .head):
            return exists(registry.groupExists(group, hub: hub), request)
        case (.closeGroup(let group), .post):
            close(registry.connections(group: group, hub: hub, excluding: excluded(request)), request: request)
            return empty(.noContent)
        case (.sendToGroup(let group), .post):
            let excluded = excluded(request)
            return await send(&request, context: context, hub: hub) { registry.connections(group: group, hub: hub, excluding: excluded) }
        case (.groupConnection(let group, let id), .put):
            return exists(registry.addConnection(id, toGroup: group, hub: hub), request)
        case (.groupConnection(let group, let id), .delete):
            return exists(registry.removeConnection(id, fromGroup: group, hub: hub), request)
        case (.user(let user), .head):
            return exists(registry.userExists(user, hub: hub), request)
        case (.closeUser(let user), .post):
            close(registry.connections(user: user, hub: hub, excluding: excluded(request)), request: request)
            return empty(.noContent)
        case (.sendToUser(let user), .post):
            return await send(&request, context: context, hub: hub) { registry.connections(user: user, hub: hub) }
        case (.userGroups(let user), .delete):
            registry.removeUser(user, fromGroup: nil, hub: hub)
            return empty(.noContent)
        case (.userGroup(let user, let group), .head):
            return exists(registry.isUser(user, inGroup: group, hub: hub), request)
        case (.userGroup(let user, let group), .put):
            return addUser(user, to: group, hub: hub, request: request, status: .ok)
        case (.userGroup(let user, let group), .delete):
            registry.removeUser(user, fromGroup: group, hub: hub)
            return empty(.noContent)
        case (.generateToken, .post):
            return generateToken(request, hub: hub)
        case (.execute, .post):
            return await execute(&request, context: context, hub: hub)
        case (.invoke(let id), .post):
            return await invoke(&request, context: context, connectionID: id, hub: hub)
        case (.groupConnections(let group), .get):
            return listConnections(request, group: group, hub: hub)
        case (.sendToStream(let id, let stream), .post):
            return await sendToStream(&request, connectionID: id, streamID: stream, hub: hub)
        case (.completeStream(let id, let stream), .post):
            return completeStream(request, connectionID: id, streamID: stream, hub: hub)
        default:
            return methodNotAllowed(parsed.methods)
        }
    }

    private func addUser(_ user: String, to group: String, hub: String, request: Request, status: HTTPResponse.Status) -> Response {
        switch ttl(request) {
        case .failure(let error): return ErrorResponse.make(error)
        case .success(let ttl):
            service.registry.addUser(user, toGroup: group, hub: hub, ttl: ttl)
            return success(status)
        }
    }
}
