import Foundation
import Hummingbird

/// The operations REST API 2024-12-01 adds to 2022-06-01: client tokens from the service,
/// client invocations with results, streams to a client, commands with a filter, the
/// connections of a group, and temporary access keys.
extension RESTAPI {
    /// `POST /api/hubs/{hub}/:generateToken?userId=&minutesToExpire=`: a client token signed
    /// with the access key, for the client URL of this endpoint.
    func generateToken(_ request: Request, hub: String) -> Response {
        var minutes = 60
        if let text = request.query("minutesToExpire") {
            guard let value = Int(text), value >= 1 else {
                return ErrorResponse.make(status: 400, "'minutesToExpire' must be a whole number of minutes, 1 or more")
            }
            minutes = value
        }
        let now = Date().timeIntervalSince1970.rounded(.down)
        var claims: [String: HubValue] = [
            "aud": .string("http://\(request.head.authority ?? "localhost")/client/?hub=\(hub)"),
            "iat": .int(Int64(now)), "nbf": .int(Int64(now)), "exp": .int(Int64(now) + Int64(minutes) * 60),
        ]
        if let user = request.query("userId"), !user.isEmpty { claims["asrs.s.uid"] = .string(user) }
        let serviceKey = service.validator.temporaryKeys?.serviceKey
        let token = serviceKey.map { AccessTokenValidator.sign(claims: claims, accessKey: $0.value, keyID: $0.id) }
            ?? AccessTokenValidator.sign(claims: claims, accessKey: service.configuration.accessKey)
        return JSONResponse.make(.map([HubPair(.string("token"), .string(token))]))
    }

    /// `GET /api/auth/accessKey`: a temporary key and its id, for signing client tokens with a
    /// `kid` header.
    func temporaryAccessKey() -> Response {
        guard let keys = service.validator.temporaryKeys else { return ErrorResponse.make(status: 404, "temporary keys are not enabled") }
        let key = keys.issue()
        return JSONResponse.make(.map([HubPair(.string("AccessKey"), .string(key.value)), HubPair(.string("KeyId"), .string(key.id))]))
    }

    /// `POST /api/hubs/{hub}/connections/{id}/:invoke`: sends an invocation to the client and
    /// answers with its result (200 `{"result": …}`), or why there is none: 404 for a
    /// connection that does not exist or closes first, 400 for an error the client returned,
    /// 504 when it does not answer in time.
    func invoke(_ request: inout Request, context: EmulatorRequestContext, connectionID: String, hub: String) async -> Response {
        let message: Invocation
        switch await self.message(&request, context: context) {
        case .failure(let error): return ErrorResponse.make(error)
        case .success(let invocation): message = invocation
        }
        guard let connection = service.registry.connection(connectionID, hub: hub), connection.protocolKind != nil else {
            return ErrorResponse.make(status: 404, code: "Error.Connection.NotExisted", "no connection '\(connectionID)' in hub '\(hub)'")
        }
        let invocations = service.clientInvocations
        let invocationID = invocations.makeID()
        let outcome = await invocations.wait(connectionID: connection.id, invocationID: invocationID, timeout: service.configuration.clientInvocationTimeout) {
            service.send(.invocation(Invocation(invocationID: invocationID, target: message.target, arguments: message.arguments)), to: connection)
        }
        switch outcome {
        case .result(let value): return JSONResponse.make(.map([HubPair(.string("result"), value)]))
        case .void: return JSONResponse.make(.map([]))
        case .error(let text) where text == ClientInvocations.closedMessage:
            return ErrorResponse.make(status: 404, code: "Error.Connection.NotExisted", text)
        case .error(let text) where text.hasPrefix(ClientInvocations.timeoutPrefix):
            return ErrorResponse.make(status: 504, code: "Error.Invocation.Timeout", text)
        case .error(let text):
            return ErrorResponse.make(status: 400, code: "Error.Invocation.ClientError", "the client answered with an error: \(text)")
        }
    }

    /// `POST .../connections/{id}/streams/{streamId}/:send[?completed=true]`: the body is one
    /// item of the stream the client asked for with that invocation id.
    func sendToStream(_ request: inout Request, connectionID: String, streamID: String, hub: String) async -> Response {
        if let problem = checkStream(streamID) { return ErrorResponse.make(problem) }
        guard let connection = service.registry.connection(connectionID, hub: hub) else {
            return ErrorResponse.make(status: 404, code: "Error.Connection.NotExisted", "no connection '\(connectionID)' in hub '\(hub)'")
        }
        let item: HubValue
        switch await body(&request) {
        case .failure(let error): return ErrorResponse.make(error)
        case .success(let value): item = value
        }
        service.send(.streamItem(invocationID: streamID, item: item), to: connection)
        if request.query("completed")?.lowercased() == "true" {
            service.send(.completion(Completion(invocationID: streamID, outcome: .void)), to: connection)
        }
        return success(.accepted)
    }

    /// `POST .../connections/{id}/streams/{streamId}/:complete[?reason=]`: ends the stream,
    /// with an error when a reason is given.
    func completeStream(_ request: Request, connectionID: String, streamID: String, hub: String) -> Response {
        if let problem = checkStream(streamID) { return ErrorResponse.make(problem) }
        guard let connection = service.registry.connection(connectionID, hub: hub) else {
            return ErrorResponse.make(status: 404, code: "Error.Connection.NotExisted", "no connection '\(connectionID)' in hub '\(hub)'")
        }
        let outcome: Completion.Outcome = request.query("reason").map { .error($0) } ?? .void
        service.send(.completion(Completion(invocationID: streamID, outcome: outcome)), to: connection)
        return success(.accepted)
    }

    private func checkStream(_ streamID: String) -> HubServiceError? {
        if streamID.isEmpty || streamID.count > 100 || streamID.allSatisfy(\.isWhitespace) {
            return .badRequest("invalid stream id: 1 to 100 characters, not only spaces")
        }
        return nil
    }

    /// `GET /api/hubs/{hub}/groups/{group}/connections`: the group's connections in pages of
    /// `maxpagesize` (1–200, default 200), at most `top` in all, ordered by connection id;
    /// `nextLink` carries the last id seen as `continuationToken`.
    func listConnections(_ request: Request, group: String, hub: String) -> Response {
        func integer(_ name: String, in range: ClosedRange<Int>) -> Result<Int?, HubServiceError> {
            guard let text = request.query(name) else { return .success(nil) }
            guard let value = Int(text), range.contains(value) else {
                return .failure(.badRequest("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)"))
            }
            return .success(value)
        }
        let pageSize: Int, top: Int?
        switch (integer("maxpagesize", in: 1...200), integer("top", in: 1...Int(Int32.max))) {
        case (.failure(let error), _), (_, .failure(let error)): return ErrorResponse.make(error)
        case (.success(let size), .success(let limit)): (pageSize, top) = (size ?? 200, limit)
        }
        let after = request.query("continuationToken")
        let members = service.registry.connections(group: group, hub: hub)
            .sorted { $0.id < $1.id }
            .filter { after == nil || $0.id > after! }
        let count = min(pageSize, top ?? Int.max, members.count)
        let page = members.prefix(count)
        var pairs = [HubPair(.string("value"), .array(page.map { connection in
            .map([HubPair(.string("connectionId"), .string(connection.id)),
                  HubPair(.string("userId"), connection.userID.map { .string($0) } ?? .null)])
        }))]
        let remaining = top.map { $0 - count }
        if let last = page.last, members.count > count, remaining.map({ $0 > 0 }) ?? true {
            var query = URLComponents()
            query.queryItems = [URLQueryItem(name: "maxpagesize", value: String(pageSize))]
                + (remaining.map { [URLQueryItem(name: "top", value: String($0))] } ?? [])
                + [URLQueryItem(name: "continuationToken", value: last.id),
                   URLQueryItem(name: "api-version", value: request.query("api-version") ?? "2024-12-01")]
                + (request.query("application").map { [URLQueryItem(name: "application", value: $0)] } ?? [])
            let link = "http://\(request.head.authority ?? "localhost")\(request.uri.path)?\(query.percentEncodedQuery ?? "")"
            pairs.append(HubPair(.string("nextLink"), .string(link)))
        }
        return JSONResponse.make(.map(pairs))
    }

    /// `POST /api/hubs/{hub}/:execute[?filter=]`: every command checked first, then all applied,
    /// in order, to the hub's connections that match the filter.
    func execute(_ request: inout Request, context: EmulatorRequestContext, hub: String) async -> Response {
        var filter: ConnectionFilter?
        if let text = request.query("filter"), !text.isEmpty {
            do { filter = try ConnectionFilter(text) } catch { return ErrorResponse.make(status: 400, error.description) }
        }
        let commands: [HubCommand]
        switch await body(&request).flatMap(HubCommand.parseList) {
        case .failure(let error): return ErrorResponse.make(error)
        case .success(let parsed): commands = parsed
        }
        for command in commands {
            if case .joinGroup(let group) = command, let problem = checkGroup(group) { return ErrorResponse.make(problem) }
            if case .leaveGroup(let group) = command, let problem = checkGroup(group) { return ErrorResponse.make(problem) }
        }
        let registry = service.registry
        let targets = registry.connections(hub: hub).filter { connection in
            filter?.matches(.init(userID: connection.userID, connectionID: connection.id, groups: registry.groups(of: connection))) ?? true
        }
        for command in commands {
            switch command {
            case .sendMessage(let invocation): service.send(invocation, to: targets, hub: hub)
            case .joinGroup(let group): for target in targets { _ = registry.addConnection(target.id, toGroup: group, hub: hub) }
            case .leaveGroup(let group): for target in targets { _ = registry.removeConnection(target.id, fromGroup: group, hub: hub) }
            case .closeConnection(let reason): for target in targets { service.close(target, error: reason) }
            }
        }
        return empty(.accepted)
    }
}

/// One command of `:execute`.
enum HubCommand: Equatable {
    case sendMessage(Invocation)
    case joinGroup(String)
    case leaveGroup(String)
    case closeConnection(reason: String?)

    /// The commands of a body: a JSON array of `{"type": …}` objects, each checked, so a bad
    /// one refuses the whole transaction and names its place.
    static func parseList(_ value: HubValue) -> Result<[HubCommand], HubServiceError> {
        guard case .array(let items) = value else {
            return .failure(.badRequest("the body must be an array of commands ({\"type\": \"SendMessage\" | \"JoinGroup\" | \"LeaveGroup\" | \"CloseConnection\", …})"))
        }
        var commands: [HubCommand] = []
        for (index, item) in items.enumerated() {
            let name = "command \(index + 1)"
            guard case .map = item, let type = item["type"]?.string else {
                return .failure(.badRequest("\(name) must be an object with a string 'type'"))
            }
            switch type {
            case "SendMessage":
                guard let message = item["message"] else { return .failure(.badRequest("\(name) (SendMessage) needs a 'message'")) }
                switch RESTAPI.parseInvocation(message, name: "the message of \(name)") {
                case .failure(let error): return .failure(error)
                case .success(let invocation): commands.append(.sendMessage(invocation))
                }
            case "JoinGroup", "LeaveGroup":
                guard let group = item["group"]?.string else { return .failure(.badRequest("\(name) (\(type)) needs a string 'group'")) }
                commands.append(type == "JoinGroup" ? .joinGroup(group) : .leaveGroup(group))
            case "CloseConnection":
                commands.append(.closeConnection(reason: item["reason"]?.string))
            default:
                return .failure(.badRequest("\(name) has the unknown type '\(type)'; expected SendMessage, JoinGroup, LeaveGroup or CloseConnection"))
            }
        }
        return .success(commands)
    }
}
