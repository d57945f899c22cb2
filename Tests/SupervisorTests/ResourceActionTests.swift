import Foundation
import Testing
@testable import Supervisor

@Suite("Starting, stopping and restarting one process on request", .serialized)
struct ResourceActionTests {
    /// How many times `name` was started, in `events`.
    private static func launches(of name: String, in events: [SupervisorEvent]) -> Int {
        events.filter { if case .launched(name, _) = $0 { true } else { false } }.count
    }

    private func starts(of name: String, in harness: Harness) -> Int {
        Self.launches(of: name, in: harness.events)
    }

    @Test("restart stops the process and starts it again at once, without counting a failure")
    func restartOnRequest() async throws {
        let harness = try Harness([shell("web", "echo up; exec sleep 30", restart: .never)])
        harness.start()
        try await harness.waitForState("web") { $0 == .running }
        try await harness.supervisor.perform(.restart, on: "web")
        try await harness.waitUntil("the second start") { Self.launches(of: "web", in: $0) == 2 }
        try await harness.waitUntil("running again") { events in
            events.filter { if case .stateChanged("web", .running) = $0 { true } else { false } }.count == 2
        }
        let output = harness.outputLines
        #expect(output.contains("apphost | web: restart requested"))
        #expect(output.contains { $0.hasPrefix("apphost | web exited (signal SIGTERM); starting it again, as asked") })
        #expect(!output.contains { $0.contains("restarting in") })
        #expect(try await harness.shutdown() == .stoppedOnRequest)
    }

    @Test("A process stopped on request stays Stopped, supervision goes on, and start brings it back")
    func stopThenStart() async throws {
        let harness = try Harness([shell("web", "echo up; exec sleep 30", restart: .always)])
        harness.start()
        try await harness.waitForState("web") { $0 == .running }
        try await harness.supervisor.perform(.stop, on: "web")
        #expect(harness.states(of: "web").suffix(2) == [.stopping, .stopped])
        #expect(starts(of: "web", in: harness) == 1)

        // The only process is stopped, yet supervision did not end: it takes the start.
        try await harness.supervisor.perform(.start, on: "web")
        try await harness.waitUntil("the second start") { Self.launches(of: "web", in: $0) == 2 }
        try await harness.waitForState("web") { $0 == .running }
        #expect(try await harness.shutdown() == .stoppedOnRequest)
    }

    @Test("A process given up after a crash loop starts again on request")
    func startAfterCrashLoop() async throws {
        let harness = try Harness([shell("flaky", "exit 1", restart: .always), shell("steady", "exec sleep 30")])
        harness.start()
        try await harness.waitForState("flaky") { if case .failedToStart = $0 { true } else { false } }
        #expect(starts(of: "flaky", in: harness) == 5)
        try await harness.supervisor.perform(.start, on: "flaky")
        try await harness.waitUntil("a sixth start") { Self.launches(of: "flaky", in: $0) == 6 }
        #expect(try await harness.shutdown() == .stoppedOnRequest)
    }

    @Test("Requests that make no sense are refused, saying why")
    func refusals() async throws {
        let harness = try Harness([shell("web", "exec sleep 30"), shell("job", "exit 0")])
        harness.start()
        try await harness.waitForState("web") { $0 == .running }
        try await harness.waitForState("job") { $0 == .exited(.exited(0)) }
        await #expect(throws: ActionRefusal.self) { try await harness.supervisor.perform(.start, on: "web") }
        await #expect(throws: ActionRefusal.self) { try await harness.supervisor.perform(.stop, on: "job") }
        do {
            try await harness.supervisor.perform(.restart, on: "nobody")
            Issue.record("an unknown process was accepted")
        } catch {
            #expect(error.description == "no process is called 'nobody'")
        }
        #expect(try await harness.shutdown() == .stoppedOnRequest)
    }
}
