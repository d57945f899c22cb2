import Foundation
import Testing
@testable import Supervisor

/// A tiny HTTP server: /health answers 200, or 500 once the file `flag` exists.
private func healthServer(_ name: String, port: Int, flag: String, restart: RestartPolicy = .never) -> ProcessSpecification {
    let program = """
        import http.server, os, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(500 if os.path.exists(sys.argv[2]) else 200)
                self.send_header('Content-Length', '0')
                self.end_headers()
            def log_message(self, *args):
                pass
        print('serving', flush=True)
        http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
        """
    return ProcessSpecification(name: name, command: ["python3", "-c", program, String(port), flag],
                                environment: ProcessInfo.processInfo.environment, restart: restart,
                                healthCheck: .http(port: port, path: "/health"))
}

@Suite("Supervising real processes", .serialized)
struct SupervisionTests {
    @Test("A process waiting for another starts only once that one is healthy, and stops before it")
    func startAndStopOrder() async throws {
        let port = freePort()
        let harness = try Harness([
            shell("web", "echo web-started; exec sleep 30", dependencies: [Dependency("api", condition: .healthy)]),
            healthServer("api", port: port, flag: "/nonexistent/flag"),
        ])
        harness.start()
        try await harness.waitUntil("readiness") { $0.contains { if case .ready = $0 { true } else { false } } }
        let order = harness.events.compactMap { event -> String? in
            guard case .stateChanged(let name, let state) = event else { return nil }
            return "\(name) \(state)"
        }
        let apiRunning = try #require(order.firstIndex(of: "api Running"))
        let webStarting = try #require(order.firstIndex(of: "web Starting"))
        #expect(apiRunning < webStarting)
        try await harness.waitForOutput("web     | web-started")

        #expect(try await harness.shutdown() == .stoppedOnRequest)
        let stops = harness.events.compactMap { event -> String? in
            if case .stateChanged(let name, .stopped) = event { name } else { nil }
        }
        #expect(stops == ["web", "api"])
    }

    @Test("A dependency that never becomes healthy leaves its dependent Waiting, saying why")
    func waitingForever() async throws {
        let harness = try Harness([
            shell("db", "exec sleep 30", healthCheck: .tcp(port: freePort())),
            shell("app", "echo never", dependencies: [Dependency("db", condition: .healthy)]),
        ])
        harness.start()
        try await harness.waitForState("app") { $0 == .waiting("for 'db' to be healthy (it is Starting)") }
        #expect(harness.outputLines.contains { $0.hasPrefix("apphost | app is waiting: for 'db' to be healthy (it is ") })
        #expect(try await harness.shutdown() == .stoppedOnRequest)
        #expect(!harness.states(of: "app").contains(.starting))
    }

    @Test("restart: never leaves a failed process exited, and supervision ends when all have ended")
    func restartNever() async throws {
        let harness = try Harness([shell("job", "echo working; exit 3", restart: .never)])
        harness.start()
        #expect(try await harness.finish() == .allEnded(allSucceeded: false))
        #expect(harness.states(of: "job").last == .exited(.exited(3)))
        #expect(harness.outputLines.contains("apphost | job exited (code 3)"))
    }

    @Test("restart: onFailure leaves a successful exit alone")
    func onFailureSuccess() async throws {
        let harness = try Harness([shell("job", "exit 0", restart: .onFailure)])
        harness.start()
        #expect(try await harness.finish() == .allEnded(allSucceeded: true))
        #expect(harness.states(of: "job").filter { $0 == .starting }.count == 1)
    }

    @Test("restart: onFailure restarts a failing process with backoff, then stops it as a crash loop")
    func onFailureCrashLoop() async throws {
        let counter = FileManager.default.temporaryDirectory.appendingPathComponent("runs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: counter) }
        let harness = try Harness([shell("flaky", "echo run >> \(counter); echo boom-$$ >&2; exit 1", restart: .onFailure)])
        harness.start()
        #expect(try await harness.finish() == .allEnded(allSucceeded: false))
        let states = harness.states(of: "flaky")
        #expect(states.last == .failedToStart("crash loop: 5 failures within 60 s"))
        let delays = states.compactMap { if case .restarting(let delay) = $0 { delay } else { nil } }
        #expect(delays == [.milliseconds(20), .milliseconds(40), .milliseconds(80), .milliseconds(80)])
        let runs = try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count
        #expect(runs == 5)
        let output = harness.outputLines.joined(separator: "\n")
        #expect(output.contains("FailedToStart (crash loop: 5 failures within 60 s), left stopped. Its last lines:\napphost |     boom-"))
        #expect(output.contains("flaky   ! boom-"))
    }

    @Test("restart: always starts a process again even after a successful exit")
    func restartAlways() async throws {
        let harness = try Harness([shell("loop", "exit 0", restart: .always)])
        harness.start()
        #expect(try await harness.finish() == .allEnded(allSucceeded: false))
        #expect(harness.states(of: "loop").filter { $0 == .starting }.count == 5)
        #expect(harness.states(of: "loop").last == .failedToStart("crash loop: 5 failures within 60 s"))
    }

    @Test("A health check that keeps failing marks the process Unhealthy, and restart: always restarts it")
    func unhealthyRestart() async throws {
        let flag = FileManager.default.temporaryDirectory.appendingPathComponent("unhealthy-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: flag) }
        let harness = try Harness([healthServer("api", port: freePort(), flag: flag, restart: .always)])
        harness.start()
        try await harness.waitForState("api") { $0 == .running }
        FileManager.default.createFile(atPath: flag, contents: Data())
        try await harness.waitForState("api") { if case .unhealthy = $0 { true } else { false } }
        try await harness.waitForState("api") { if case .restarting = $0 { true } else { false } }
        try FileManager.default.removeItem(atPath: flag)
        try await harness.waitUntil("running again") { events in
            events.filter { if case .stateChanged("api", .running) = $0 { true } else { false } }.count == 2
        }
        #expect(try await harness.shutdown() == .stoppedOnRequest)
        let unhealthy = harness.states(of: "api").first { if case .unhealthy = $0 { true } else { false } }
        #expect(unhealthy?.description.contains("answered 500") == true)
    }

    @Test("A process that ignores SIGTERM gets SIGKILL after its shutdown timeout")
    func shutdownEscalation() async throws {
        let harness = try Harness([shell("stubborn", "trap '' TERM; echo ready; sleep 30 & wait; sleep 30",
                                         shutdownTimeout: .milliseconds(300))])
        harness.start()
        try await harness.waitForOutput("stubborn | ready")
        let before = ContinuousClock.now
        #expect(try await harness.shutdown() == .stoppedOnRequest)
        let stopped = before.duration(to: .now)
        #expect(stopped >= .milliseconds(300))
        #expect(stopped < .seconds(5))
        let output = harness.outputLines.joined(separator: "\n")
        #expect(output.contains("stubborn did not stop within 300 ms of SIGTERM; sending SIGKILL"))
        #expect(output.contains("stubborn stopped (signal SIGKILL)"))
    }

    @Test("A second request kills everything at once")
    func immediateShutdown() async throws {
        let harness = try Harness([shell("stubborn", "trap '' TERM; echo ready; sleep 30 & wait; sleep 30", shutdownTimeout: .seconds(30))])
        harness.start()
        try await harness.waitForOutput("stubborn | ready")
        harness.request(.graceful)
        try await harness.waitForState("stubborn") { $0 == .stopping }
        harness.request(.graceful)
        let before = ContinuousClock.now
        #expect(try await harness.finish() == .stoppedOnRequest)
        let elapsed = before.duration(to: .now)
        #expect(elapsed < .seconds(5))
    }

    @Test("A command that does not exist is FailedToStart with the reason")
    func missingCommand() async throws {
        var process = shell("typo", "")
        process.command = ["pyhton3", "app.py"]
        let harness = try Harness([process])
        harness.start()
        #expect(try await harness.finish() == .allEnded(allSucceeded: false))
        #expect(harness.states(of: "typo").last == .failedToStart("'pyhton3' not found on PATH"))
    }

    @Test("Dependencies on unknown processes and cycles are refused before anything starts")
    func invalidSpecifications() {
        #expect(throws: SupervisorError.self) {
            try Supervisor(processes: [shell("a", "true", dependencies: [Dependency("b", condition: .started)])],
                           configuration: SupervisorConfiguration(style: LogStyle(color: false, timestamps: false)))
        }
        #expect(throws: SupervisorError.self) {
            try Supervisor(processes: [shell("a", "true", dependencies: [Dependency("b", condition: .started)]),
                                       shell("b", "true", dependencies: [Dependency("a", condition: .healthy)])],
                           configuration: SupervisorConfiguration(style: LogStyle(color: false, timestamps: false)))
        }
    }
}
