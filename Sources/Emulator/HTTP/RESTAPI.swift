import Access
import Foundation
import Hummingbird
import NIOCore

/// The data-plane REST API of the published documents: `/api/v1/...` (v1) and
/// `/api/...?api-version=2022-06-01` or `2024-12-01`, each with its own routes and status codes.
struct RESTAPI: Sendable {
    let service: HubService

    /// What a request addresses, parsed once from its path (past `/api` or `/api/v1`): its
    /// methods, its data action and its handler all follow from it.
    enum Operation {
        case health
        case accessKey
        case v1(V1Route)
        case v2022(V2022Route)

        /// The operation at `segments`; nil for no route.
        init?(_ segments: [String], isV1: Bool) {
            if segments == ["health"] {
                self = .health
            } else if !isV1, segments == ["auth", "accessKey"] {
                self = .accessKey
            } else if segments.count >= 2, segments[0] == "hubs" {
                let past = Array(segments.dropFirst(2))
                guard let operation = isV1 ? V1Route(past).map(Operation.v1) : V2022Route(past).map(Operation.v2022) else { return nil }
                self = operation
            } else {
                return nil
            }
        }

        /// The methods its document gives it.
        var methods: [HTTPRequest.Method] {
            switch self {
            case .health: [.get, .head]
            case .accessKey: [.get]
            case .v1(let route): route.methods
            case .v2022(let route): route.methods
            }
        }
    }

    static func addRoutes(to router: Router<EmulatorRequestContext>, service: HubService) {
        let api = RESTAPI(service: service)
        for method in [HTTPRequest.Method.get, .head, .post, .put, .delete, .patch, .trace, HTTPRequest.Method("QUERY")!] {
            router.on("/api/**", method: method) { request, context in
                let isV1 = request.uri.path.hasPrefix("/api/v1/")
                let answer = { await ErrorResponse.$plainText.withValue(isV1) { await api.handle(request, isV1: isV1, context: context) } }
                // Health probes (apphost's, every few seconds) would bury the traces that matter.
                if request.uri.path.hasSuffix("/health") { return await answer() }
                // The caller's trace goes on here: its send and the fan-out become its spans.
                return await service.traced("\(request.method.rawValue) \(request.uri.path)", kind: .server, parent: request.traceContext) { span in
                    let response = await answer()
                    span?.set("http.request.method", .string(request.method.rawValue))
                    span?.set("http.response.status_code", .int(Int64(response.status.code)))
                    if response.status.code >= 500 { span?.fail("answered \(response.status.code)") }
                    return response
                }
            }
        }
    }

    func handle(_ request: Request, isV1: Bool, context: EmulatorRequestContext) async -> Response {
        let rawSegments = request.uri.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        // ["api", "v1", ...] or ["api", ...]
        let rest = Array(rawSegments.dropFirst(isV1 ? 2 : 1))
        // The route and its methods first, from the path alone, as a router would.
        guard let operation = Operation(rest, isV1: isV1) else {
            return ErrorResponse.make(status: 404, "no such route: \(request.uri.path)")
        }
        guard operation.methods.contains(request.method) else { return methodNotAllowed(operation.methods) }
        if case .health = operation { return Response(status: .ok) }
        if !isV1, request.query("api-version")?.isEmpty ?? true {
            return ErrorResponse.make(status: 400, "the 'api-version' query parameter is required (2022-06-01 or 2024-12-01)")
        }
        // Who is asking comes before what is asked: a caller without a valid token learns nothing.
        if let refusal = authorized(request, for: operation.dataAction(method: request.method)) { return refusal }
        if case .accessKey = operation { return temporaryAccessKey() }
        // A hub route: `rest` is ["hubs", hub, ...].
        var hub: String
        do { hub = try HubService.checkHub(rest[1]) } catch { return ErrorResponse.make(error) }
        if !isV1, let application = request.query("application") {
            do { hub = try HubService.checkHub(application) + "_" + hub } catch { return ErrorResponse.make(error) }
        }
        var request = request
        switch operation {
        case .v1(let route): return await v1(route, hub: hub, &request, context: context)
        case .v2022(let route): return await v2022(route, hub: hub, &request, context: context)
        case .health, .accessKey: return Response(status: .ok)  // answered above
        }
    }

    /// nil when the request carries a valid token for its path whose caller may do `action`;
    /// else the 401 or 403 to answer. An Entra ID token needs a role that grants the action; an
    /// access-key token may do everything, unless local authentication is disabled.
    func authorized(_ request: Request, for action: SignalRDataAction?) -> Response? {
        guard let text = request.accessToken else {
            return ErrorResponse.make(status: 401, "no access token: send 'Authorization: Bearer <token>'")
        }
        let token: JWTParts
        do { token = try JWTParts(text) } catch { return refusedToken(request, error.reason) }
        if token.isAsymmetric {
            guard let entra = service.configuration.entra else {
                return ErrorResponse.make(status: 401, "this resource takes access-key tokens only (authType: accessKey), not Microsoft Entra ID tokens")
            }
            do {
                let principal = try entra.validator.validate(token)
                if let action, let refusal = entra.refusal(of: action, to: principal) {
                    service.events.publish("refused", [("httpStatus", .int(403)), ("path", .string(request.uri.path)),
                                                       ("principal", .string(principal.objectID)), ("reason", .string(refusal))])
                    return forbidden(refusal, action: action)
                }
                return nil
            } catch {
                return refusedToken(request, error.reason)
            }
        }
        do {
            _ = try service.validator.validate(token, for: .rest(path: request.uri.path))
            return nil
        } catch {
            return refusedToken(request, error.reason)
        }
    }

    /// 403 with a JSON body naming the action and the narrowest role that grants it (in every
    /// API version: a caller needs the action's name to fix its role assignment).
    private func forbidden(_ message: String, action: SignalRDataAction) -> Response {
        let body = JSONCodec.encode(.map([
            HubPair(.string("code"), .string("Forbidden")), HubPair(.string("message"), .string(message)),
            HubPair(.string("action"), .string(action.rawValue)),
            HubPair(.string("role"), .string(SignalRRole.narrowest(granting: action).displayName)),
        ]))
        return Response(status: .forbidden, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private func refusedToken(_ request: Request, _ reason: String) -> Response {
        if service.events.wantsEvents {
            service.events.publish("refused", [("httpStatus", .int(401)), ("path", .string(request.uri.path)), ("reason", .string(reason))])
        }
        return ErrorResponse.make(status: 401, reason)
    }

    // MARK: Shared operations

    /// 405, with the route's methods in `Allow` (RFC 9110).
    func methodNotAllowed(_ allowed: [HTTPRequest.Method]) -> Response {
        var response = ErrorResponse.make(status: 405, "method not allowed on this route; it takes \(allowed.map(\.rawValue).joined(separator: ", "))")
        response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return response
    }

    func excluded(_ request: Request) -> Set<String> {
        Set(request.uri.queryParameters[values: "excluded"].map(String.init))
    }

    /// Reads a body of at most the message size limit: JSON, or MessagePack when the content
    /// type says so.
    func body(_ request: inout Request) async -> Result<HubValue, HubServiceError> {
        let limit = service.configuration.maximumMessageSize
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return .failure(HubServiceError(status: 413, reason: "the body of \(declared) bytes is larger than \(limit) bytes"))
        }
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: limit) } catch {
            return .failure(HubServiceError(status: 413, reason: "the body is larger than \(limit) bytes"))
        }
        let bytes = Array(buffer: body)
        do {
            if request.headers[.contentType]?.lowercased().contains("msgpack") == true {
                return .success(try MessagePackCodec.decodeWhole(bytes))
            }
            return .success(try JSONCodec.decode(bytes))
        } catch {
            return .failure(.badRequest("the body is not a valid message: \(error.reason)"))
        }
    }

    /// Checks a message: `{"target": "...", "arguments": [...]}`.
    static func parseInvocation(_ value: HubValue, name: String = "the body") -> Result<Invocation, HubServiceError> {
        guard case .map(let pairs) = value else { return .failure(.badRequest("\(name) must be an object with 'target' and 'arguments'")) }
        // Property names are matched without regard to case, as the service's JSON binding does
        // (the v1 document spells them Target and Arguments).
        func field(_ key: String) -> HubValue? {
            pairs.first { $0.key.string?.lowercased() == key }?.value
        }
        guard let target = field("target")?.string, !target.isEmpty else {
            return .failure(.badRequest("\(name) needs a non-empty string 'target'"))
        }
        switch field("arguments") {
        case nil, .null?: return .success(Invocation(target: target, arguments: []))
        case .array(let items)?: return .success(Invocation(target: target, arguments: items))
        default: return .failure(.badRequest("'arguments' in \(name) must be an array"))
        }
    }

    /// Reads and checks a message body: `{"target": "...", "arguments": [...]}` in JSON, or the
    /// same map in MessagePack.
    func message(_ request: inout Request, context: EmulatorRequestContext) async -> Result<Invocation, HubServiceError> {
        await body(&request).flatMap { Self.parseInvocation($0) }
    }

    /// Sends the request's message to `targets`.
    func send(_ request: inout Request, context: EmulatorRequestContext, hub: String, to targets: () -> [ClientConnection]) async -> Response {
        switch await message(&request, context: context) {
        case .failure(let error): return ErrorResponse.make(error)
        case .success(let invocation):
            service.send(invocation, to: targets(), hub: hub)
            return success(.accepted)
        }
    }

    /// Closes connections with the request's `reason`.
    func close(_ connections: [ClientConnection], request: Request) {
        let reason = request.query("reason")
        for connection in connections { service.close(connection, error: reason) }
    }

    /// 200 or 404. A dated API's 404 to a method with a body carries an ErrorDetail, as its
    /// document says; v1's and HEAD's are empty.
    func exists(_ found: Bool, _ request: Request) -> Response {
        if found { return request.method == .head ? Response(status: .ok) : success(.ok) }
        if request.method == .head || ErrorResponse.plainText { return Response(status: .notFound) }
        return ErrorResponse.make(status: 404, "not found")
    }

    /// A success without a body. The dated documents declare `produces: application/json` for
    /// these operations too, so the (empty) answer says so.
    func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"])
    }

    /// A success: empty in v1; in the dated APIs the ServiceResponse their documents give
    /// every 200 and 202 that is not an existence check.
    func success(_ status: HTTPResponse.Status) -> Response {
        guard !ErrorResponse.plainText else { return Response(status: status) }
        return JSONResponse.make(.map([HubPair(.string("code"), .string("Success")), HubPair(.string("level"), .string("Info")),
                                       HubPair(.string("isSuccess"), .bool(true))]), status: status)
    }

    /// `ttl` in seconds, if given: a non-negative integer.
    func ttl(_ request: Request) -> Result<Int?, HubServiceError> {
        guard let text = request.query("ttl") else { return .success(nil) }
        guard let seconds = Int(text), seconds >= 0 else { return .failure(.badRequest("'ttl' must be a whole number of seconds, 0 or more")) }
        return .success(seconds)
    }

    /// A group name as the service accepts it: 1 to 1024 characters, not only whitespace.
    func checkGroup(_ group: String) -> HubServiceError? {
        if group.isEmpty || group.count > 1024 || group.allSatisfy(\.isWhitespace) {
            return .badRequest("invalid group name: 1 to 1024 characters, not only spaces")
        }
        return nil
    }
}
