import AsyncHTTPClient
import Emulator
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
@testable import Dashboard

/// A dashboard served for real on a free loopback port, for the length of one test.
struct LiveDashboard {
    let state: DashboardState
    let port: Int
    /// A client that shows redirects instead of following them.
    let client: HTTPClient
    let token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    var base: String { "http://127.0.0.1:\(port)" }

    /// Serves `state` while `body` runs, with one emulator called `signalr` at `emulatorURL`.
    static func with<Value>(_ state: DashboardState, emulatorURL: String = "http://127.0.0.1:1",
                            actions: DashboardServer.ActionHandler? = nil,
                            _ body: (LiveDashboard) async throws -> Value) async throws -> Value {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        var logger = Logger(label: "test.dashboard")
        logger.logLevel = .critical
        // Tests run in parallel: a free port may be taken by another test's server before this
        // one binds it. The server then fails; it is started again on another port, instead of
        // the test waiting for ever for a server that will never listen.
        var attempt = 0
        while true {
            attempt += 1
            let dashboard = LiveDashboard(state: state, port: try LoopbackSocket.freePort(), client: client)
            let server = DashboardServer(state: state, port: dashboard.port, token: dashboard.token,
                                         emulators: ["signalr": SignalRIntrospection(baseURL: emulatorURL, token: "emulator-token")],
                                         actions: actions, logger: logger)
            let (ready, readiness) = AsyncStream<Void>.makeStream()
            let serving = Task {
                defer { readiness.finish() }
                try await server.run(hosts: ["127.0.0.1"]) { readiness.yield() }
            }
            var listening = false
            for await _ in ready {
                listening = true
                break
            }
            guard listening else {
                let failure = await serving.result
                if attempt < 3 { continue }
                try await client.shutdown()
                throw LiveDashboardFailure(description: "the dashboard did not start: \(failure)")
            }
            return try await serve(dashboard, serving, body)
        }
    }

    private static func serve<Value>(_ dashboard: LiveDashboard, _ serving: Task<Void, Error>,
                                     _ body: (LiveDashboard) async throws -> Value) async throws -> Value {
        let client = dashboard.client
        do {
            let value = try await body(dashboard)
            serving.cancel()
            try await client.shutdown()
            return value
        } catch {
            serving.cancel()
            try await client.shutdown()
            throw error
        }
    }

    /// GETs (or POSTs) `path` with `headers`; the status, headers and body.
    func get(_ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = []) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers, String(buffer: body))
    }

    var authorized: [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// A dashboard that would not start, with why.
    struct LiveDashboardFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// What an action handler was asked, in order ("restart api").
    final class AskedActions: Sendable {
        private let asked = Mutex<[String]>([])
        var all: [String] { asked.withLock { $0 } }
        func record(_ action: String) { asked.withLock { $0.append(action) } }
    }

    /// An action handler that records what it is asked and refuses `refused` actions with `reason`.
    static func recordingActions(refusing refused: String, because reason: String) -> (asked: AskedActions, handler: DashboardServer.ActionHandler) {
        let asked = AskedActions()
        return (asked, { resource, action in
            asked.record("\(action) \(resource)")
            return action == refused ? reason : nil
        })
    }
}

@Suite("Dashboard server")
struct DashboardServerTests {
    func sample() -> DashboardState {
        DashboardState(applicationName: "chat", resources: [
            DashboardResource(name: "signalr", kind: .signalREmulator, summary: "SignalR emulator (Serverless)"),
            DashboardResource(name: "api", kind: .project, summary: "project", environment: [.init(name: "KEY", value: "********")]),
        ])
    }

    @Test("Without the token every route answers 401 and says how to get in", arguments: [
        "/", "/dashboard.js", "/api/resources", "/api/resources/api/logs", "/api/events", "/api/signalr/signalr/state", "/?t=wrong",
    ])
    func everyRouteNeedsTheToken(path: String) async throws {
        try await LiveDashboard.with(sample()) { dashboard in
            let response = try await dashboard.get(path)
            #expect(response.status == 401)
            #expect(response.body.contains("Open the dashboard with the link `apphost run` printed"))
            let wrongCookie = try await dashboard.get(path, headers: [("Cookie", "apphost_dashboard_\(dashboard.port)=\(String(dashboard.token.reversed()))")])
            #expect(wrongCookie.status == 401)
        }
    }

    @Test("The link's token becomes an HttpOnly, SameSite=Strict cookie for this port, and the cookie opens the page")
    func linkSetsTheCookie() async throws {
        try await LiveDashboard.with(sample()) { dashboard in
            let login = try await dashboard.get("/?t=\(dashboard.token)")
            #expect(login.status == 303)
            #expect(login.headers["Location"] == ["/"])
            let cookie = try #require(login.headers["Set-Cookie"].first)
            #expect(cookie.hasPrefix("apphost_dashboard_\(dashboard.port)=\(dashboard.token);"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))

            let page = try await dashboard.get("/", headers: [("Cookie", "apphost_dashboard_\(dashboard.port)=\(dashboard.token)")])
            #expect(page.status == 200)
            #expect(page.body.contains("<title>chat · apphost</title>"))
            #expect(page.headers["Content-Security-Policy"].first?.contains("script-src 'self'") == true)
        }
    }

    @Test("A request naming another host is refused, even with the token, so DNS rebinding cannot reach the dashboard")
    func otherHostsAreRefused() async throws {
        try await LiveDashboard.with(sample()) { dashboard in
            let response = try await dashboard.get("/api/resources", headers: dashboard.authorized + [("Host", "attacker.example:\(dashboard.port)")])
            #expect(response.status == 403)
        }
    }

    @Test("Resources and the kept lines of one come as JSON")
    func resourcesAndLogs() async throws {
        let state = sample()
        state.update("api") {
            $0.state = "Running"
            $0.pid = 4242
        }
        for text in ["one", "two", "three"] { state.append("api", text: text, isError: text == "two") }
        try await LiveDashboard.with(state) { dashboard in
            let resources = try await dashboard.get("/api/resources", headers: dashboard.authorized)
            #expect(resources.status == 200)
            let decoder = DashboardJSON.decoder()
            let decoded = try decoder.decode([DashboardResource].self, from: Data(resources.body.utf8))
            #expect(decoded.map(\.name) == ["signalr", "api"])
            #expect(decoded[1].pid == 4242 && decoded[1].state == "Running")
            #expect(decoded[1].environment == [.init(name: "KEY", value: "********")])

            let logs = try await dashboard.get("/api/resources/api/logs?after=1", headers: dashboard.authorized)
            let lines = try decoder.decode([DashboardLogLine].self, from: Data(logs.body.utf8))
            #expect(lines.map(\.text) == ["two", "three"])
            #expect(lines.map(\.isError) == [true, false])
            #expect(try await dashboard.get("/api/resources/nobody/logs", headers: dashboard.authorized).status == 404)
        }
    }

    @Test("The event stream carries every resource change, and the lines of the resource asked for only")
    func eventStream() async throws {
        let state = sample()
        try await LiveDashboard.with(state) { dashboard in
            var request = HTTPClientRequest(url: dashboard.base + "/api/events?logs=api")
            request.headers.add(name: "Authorization", value: "Bearer \(dashboard.token)")
            let response = try await dashboard.client.execute(request, timeout: .seconds(10))
            #expect(response.headers["Content-Type"] == ["text/event-stream"])
            var received = ""
            var changed = false
            for try await chunk in response.body {
                received += String(buffer: chunk)
                // The stream opens with a comment once subscribed; the changes come after it.
                if !changed, received.hasPrefix(":\n\n") {
                    changed = true
                    state.append("signalr", text: "not asked for", isError: false)
                    state.update("api") { $0.state = "Running" }
                    state.append("api", text: "asked for", isError: true)
                    state.finish()
                }
            }
            let frames = received.components(separatedBy: "\n\n").filter { $0.hasPrefix("event:") }
            #expect(frames.count == 2)
            #expect(frames.first?.hasPrefix("event: resource\ndata: {") == true)
            #expect(frames.first?.contains(#""state":"Running""#) == true)
            #expect(frames.last?.hasPrefix("event: line\ndata: {") == true)
            #expect(frames.last?.contains(#""text":"asked for""#) == true)
            #expect(!received.contains("not asked for"))
        }
    }

    @Test("The SignalR routes: an unknown resource is 404, an emulator that does not answer is 502")
    func signalRProxyFailures() async throws {
        try await LiveDashboard.with(sample(), emulatorURL: "http://127.0.0.1:\(try LoopbackSocket.freePort())") { dashboard in
            let unknown = try await dashboard.get("/api/signalr/api/state", headers: dashboard.authorized)
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("no emulated SignalR resource is called 'api'"))
            let silent = try await dashboard.get("/api/signalr/signalr/state", headers: dashboard.authorized)
            #expect(silent.status == 502)
            #expect(silent.body.contains("the emulator 'signalr' does not answer"))
        }
    }

    @Test("start, stop and restart are passed to apphost; a refusal is 409 with the reason")
    func actions() async throws {
        let (asked, handler) = LiveDashboard.recordingActions(refusing: "start", because: "api is Running already; restart it instead")
        try await LiveDashboard.with(sample(), actions: handler) { dashboard in
            let restart = try await dashboard.get("/api/resources/api/restart", method: .POST, headers: dashboard.authorized)
            #expect(restart.status == 200)
            let start = try await dashboard.get("/api/resources/api/start", method: .POST, headers: dashboard.authorized)
            #expect(start.status == 409)
            #expect(start.body == "api is Running already; restart it instead\n")
            #expect(try await dashboard.get("/api/resources/api/explode", method: .POST, headers: dashboard.authorized).status == 404)
            #expect(try await dashboard.get("/api/resources/nobody/stop", method: .POST, headers: dashboard.authorized).status == 404)
            #expect(try await dashboard.get("/api/resources/api/stop", method: .POST).status == 401)
            let foreign = try await dashboard.get("/api/resources/api/stop", method: .POST,
                                                  headers: dashboard.authorized + [("Origin", "http://localhost:3000")])
            #expect(foreign.status == 403)
            #expect(asked.all == ["restart api", "start api"])
        }
    }

    @Test("Once the state is finished the server writes the end of every open stream and stops by itself",
          .timeLimit(.minutes(1)))
    func stopsWithTheState() async throws {
        let state = sample()
        var logger = Logger(label: "test.dashboard")
        logger.logLevel = .critical
        let port = try LoopbackSocket.freePort()
        let token = String(repeating: "ab", count: 32)
        let server = DashboardServer(state: state, port: port, token: token, emulators: [:], logger: logger)
        let (ready, readiness) = AsyncStream<Void>.makeStream()
        let serving = Task { try await server.run(hosts: ["127.0.0.1"]) { readiness.yield() } }
        for await _ in ready { break }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/events?logs=*")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await client.execute(request, timeout: .seconds(10))
        state.finish()
        // The body ends cleanly (a broken connection would throw), and then the server returns.
        var received = ""
        for try await chunk in response.body { received += String(buffer: chunk) }
        #expect(received == ":\n\n")
        try await serving.value
        try await client.shutdown()
    }
}

/// The page's files live in dashboard/ and are carried in the executable by scripts/embed-dashboard.
@Suite("Dashboard assets")
struct DashboardAssetTests {
    @Test("The embedded page, style sheet and scripts are exactly the files of dashboard/")
    func embeddedAssetsMatchTheFiles() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../dashboard").standardizedFileURL
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(names == DashboardAssets.files.keys.sorted(), "run scripts/embed-dashboard after adding or removing a file in dashboard/")
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(DashboardAssets.files[name] == text, "\(name) differs from dashboard/: run scripts/embed-dashboard")
        }
    }
}
