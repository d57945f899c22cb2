import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The dashboard's web server: the page, the resources and their logs as JSON, a live stream
/// of changes, and each emulator's hubs and messages. Loopback only, behind a token.
///
/// Routes (all but the first need the token; see ``DashboardAccess``):
/// - `GET /?t=TOKEN`: sets the cookie and redirects to `/`.
/// - `GET /`: the page, and `/dashboard.css`, `/dashboard.js`, `/telemetry.js` what it loads.
/// - `GET /api/resources`: every resource.
/// - `GET /api/resources/NAME/logs?after=N`: the kept lines of NAME after line N.
/// - `GET /api/events?logs=NAME`: Server-Sent Events: `resource` on every change, `line` for
///   each line NAME writes (no lines without `logs`; `logs=a,b` for several, `logs=*` for all).
/// - `GET /api/signalr/NAME/state` and `/events`: the emulator's introspection, passed through.
/// - `POST /api/resources/NAME/start`, `/stop`, `/restart`: asks apphost to do so; 200 once
///   done, 409 with the reason when refused.
/// - `GET /api/telemetry/…`: the OpenTelemetry data the run received (traces, logs, metrics).
public struct DashboardServer: Sendable {
    /// Carries out `action` ("start", "stop" or "restart") on `resource`; nil when done, else
    /// why it was refused.
    public typealias ActionHandler = @Sendable (_ resource: String, _ action: String) async -> String?
    /// Answers `GET /api/telemetry/<route>` with JSON: `route` is the path after `telemetry/`
    /// split at `/`, `query` its parameters; nil for a route that does not exist.
    public typealias TelemetryHandler = @Sendable (_ route: [String], _ query: [String: String]) -> Data?

    /// What the dashboard shows.
    public let state: DashboardState
    /// The port it listens on.
    public let port: Int
    private let access: DashboardAccess
    private let emulators: [String: SignalRIntrospection]
    private let actions: ActionHandler?
    private let telemetry: TelemetryHandler?
    private let logger: Logger

    /// A dashboard for `state` on `port`, guarded by `token`; `emulators` are the SignalR
    /// resources whose hubs it can show, by name; `actions` carries out starts, stops and
    /// restarts (none without it).
    public init(state: DashboardState, port: Int, token: String, emulators: [String: SignalRIntrospection],
                actions: ActionHandler? = nil, telemetry: TelemetryHandler? = nil, logger: Logger) {
        self.actions = actions
        self.telemetry = telemetry
        self.state = state
        self.port = port
        self.access = DashboardAccess(token: token, port: port)
        self.emulators = emulators
        self.logger = logger
    }

    /// How long open answers may take to end once the state is finished, before they are cut.
    static let shutdownGrace = Duration.seconds(2)

    /// Serves on each of `hosts` until the task is cancelled, or until the state is finished
    /// and every open answer has ended; `onReady` runs once all listen.
    ///
    /// Ending with the state lets each event stream write its end, so a reader (a page,
    /// `apphost logs --follow`) tells the end of the run from a broken connection.
    public func run(hosts: [String], onReady: @escaping @Sendable () async -> Void = {}) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let inspector = SignalRInspector(client: client, emulators: emulators)
        let ready = ReadyCount(expected: hosts.count, action: onReady)
        let applications = hosts.map { host in
            Application(router: router(inspector), configuration: .init(address: .hostname(host, port: port), serverName: nil),
                        onServerRunning: { _ in await ready.signal() }, logger: logger)
        }
        var configuration = ServiceGroupConfiguration(services: applications.map { .init(service: $0) }, logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.shutdownGrace
        let group = ServiceGroup(configuration: configuration)
        let state = state
        do {
            try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return true
                }
                tasks.addTask {
                    await state.waitUntilFinished()
                    await group.triggerGracefulShutdown()
                    return false
                }
                // Until the servers have stopped; the watch of the state ends with them.
                for try await serverStopped in tasks where serverStopped {
                    tasks.cancelAll()
                }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }

    func router(_ inspector: SignalRInspector) -> Router<BasicRequestContext> {
        let router = Router()
        let access = access
        let state = state
        router.get("/") { request, _ -> Response in
            if request.uri.queryParameters["t"] != nil, let login = access.login(request) { return login }
            if let refusal = access.refusal(request) { return refusal }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                                   .contentSecurityPolicy: DashboardPage.contentSecurityPolicy],
                            body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html(title: state.applicationName))))
        }
        for (path, asset) in DashboardPage.assets {
            router.get(RouterPath(path)) { request, _ -> Response in
                access.refusal(request) ?? Response(
                    status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(string: asset.body)))
            }
        }
        let api = router.group("api")
        api.get("resources") { request, _ -> Response in
            access.refusal(request) ?? DashboardResponse.json(state.resources)
        }
        api.get("resources/:name/logs") { request, context -> Response in
            if let refusal = access.refusal(request) { return refusal }
            let name = context.parameters.get("name") ?? ""
            let after = request.uri.queryParameters["after"].flatMap { Int($0) } ?? 0
            guard let lines = state.lines(of: name, after: after) else {
                return DashboardResponse.text(.notFound, "no resource is called '\(name)'")
            }
            return DashboardResponse.json(lines)
        }
        api.get("events") { request, _ -> Response in
            if let refusal = access.refusal(request) { return refusal }
            let logsOf = LogSelection(request.uri.queryParameters["logs"].map(String.init))
            let updates = state.subscribe()
            return Response(status: .ok, headers: DashboardResponse.eventStreamHeaders, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ":\n\n"))
                for await update in updates {
                    switch update {
                    case .resource(let resource):
                        try await writer.write(DashboardResponse.event("resource", resource))
                    case .line(let line) where logsOf.contains(line.resource):
                        try await writer.write(DashboardResponse.event("line", line))
                    case .line:
                        continue
                    }
                }
                try await writer.finish(nil)
            })
        }
        let actions = actions
        api.post("resources/:name/:action") { request, context -> Response in
            if let refusal = access.refusal(request) ?? access.refusalOfCrossOrigin(request) { return refusal }
            let name = context.parameters.get("name") ?? ""
            let action = context.parameters.get("action") ?? ""
            guard ["start", "stop", "restart"].contains(action) else {
                return DashboardResponse.text(.notFound, "unknown action '\(action)': start, stop or restart")
            }
            guard state.resources.contains(where: { $0.name == name }) else {
                return DashboardResponse.text(.notFound, "no resource is called '\(name)'")
            }
            guard let actions else { return DashboardResponse.text(.conflict, "this dashboard cannot \(action) resources") }
            if let refusal = await actions(name, action) { return DashboardResponse.text(.conflict, refusal) }
            return DashboardResponse.text(.ok, "\(action): done")
        }
        api.get("signalr/:name/state") { request, context -> Response in
            if let refusal = access.refusal(request) { return refusal }
            return await inspector.state(of: context.parameters.get("name") ?? "")
        }
        api.get("signalr/:name/events") { request, context -> Response in
            if let refusal = access.refusal(request) { return refusal }
            return await inspector.events(of: context.parameters.get("name") ?? "")
        }
        let telemetry = telemetry
        api.get("telemetry/**") { request, context -> Response in
            if let refusal = access.refusal(request) { return refusal }
            guard let telemetry else { return DashboardResponse.text(.notFound, "this run receives no telemetry (--no-dashboard)") }
            let route = context.parameters.getCatchAll().map(String.init)
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            guard let body = telemetry(route, query) else {
                return DashboardResponse.text(.notFound, "no telemetry route /api/telemetry/\(route.joined(separator: "/")): try traces, traces/ID, logs, metrics, metrics/RESOURCE/NAME or resources")
            }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        api.get("signalr/:name/recent") { request, context -> Response in
            if let refusal = access.refusal(request) { return refusal }
            let limit = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 100
            return await inspector.recent(of: context.parameters.get("name") ?? "", limit: limit)
        }
        api.post("signalr/:name/send") { request, context -> Response in
            if let refusal = access.refusal(request) { return refusal }
            var request = request
            guard let body = try? await request.collectBody(upTo: 1 << 20) else {
                return DashboardResponse.text(.contentTooLarge, "the message is larger than 1 MB")
            }
            return await inspector.send(to: context.parameters.get("name") ?? "", body: body)
        }
        return router
    }
}

/// Runs an action once `expected` servers listen.
private actor ReadyCount {
    private var remaining: Int
    private let action: @Sendable () async -> Void

    init(expected: Int, action: @escaping @Sendable () async -> Void) {
        remaining = expected
        self.action = action
    }

    func signal() async {
        remaining -= 1
        if remaining == 0 { await action() }
    }
}
