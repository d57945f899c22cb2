import Foundation
import Synchronization
import Testing
@testable import Supervisor

/// Runs a real supervisor over real processes, with its output in a file and its events recorded.
final class Harness: Sendable {
    let supervisor: Supervisor
    let outputPath: String
    let folder: String
    private let recorded = Mutex<(events: [SupervisorEvent], waiters: [Int: (@Sendable ([SupervisorEvent]) -> Bool, CheckedContinuation<Void, Never>)], next: Int)>(([], [:], 0))
    private let requests: AsyncStream<ShutdownRequest>
    private let requestSink: AsyncStream<ShutdownRequest>.Continuation
    private let outcome = Mutex<Task<SupervisionOutcome, any Error>?>(nil)

    /// A harness for `processes`; `configure` adjusts the (fast) test configuration.
    init(_ processes: [ProcessSpecification], configure: (inout SupervisorConfiguration) -> Void = { _ in }) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("supervisor-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        outputPath = folder + "/output.log"
        let descriptor = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        var configuration = SupervisorConfiguration(style: LogStyle(color: false, timestamps: false), logFolder: folder + "/logs")
        configuration.outputDescriptor = descriptor
        configuration.restartBackoff.initialDelay = .milliseconds(20)
        configuration.restartBackoff.maximumDelay = .milliseconds(80)
        configuration.healthSchedule.runningInterval = .milliseconds(50)
        configure(&configuration)
        supervisor = try Supervisor(processes: processes, configuration: configuration)
        (requests, requestSink) = AsyncStream.makeStream(of: ShutdownRequest.self)
    }

    /// Starts supervising in the background.
    func start() {
        let task = Task { [supervisor, requests] in
            try await supervisor.run(shutdownRequests: requests) { event in self.record(event) }
        }
        outcome.withLock { $0 = task }
    }

    /// Asks for a shutdown.
    func request(_ request: ShutdownRequest) { requestSink.yield(request) }

    /// Waits for supervision to end.
    func finish() async throws -> SupervisionOutcome {
        let task = outcome.withLock { $0 }!
        return try await task.value
    }

    /// Stops everything and waits for the end.
    func shutdown() async throws -> SupervisionOutcome {
        request(.graceful)
        return try await finish()
    }

    /// Every event so far.
    var events: [SupervisorEvent] { recorded.withLock { $0.events } }

    /// The states `name` went through, in order.
    func states(of name: String) -> [ResourceState] {
        events.compactMap { if case .stateChanged(name, let state) = $0 { state } else { nil } }
    }

    /// The multiplexed output so far, as lines.
    var outputLines: [String] {
        ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Waits until the output holds `line` (a child's own output has no event to wait on).
    func waitForOutput(_ line: String, timeout: Duration = .seconds(10)) async throws {
        _ = try await waitForLine(timeout: timeout, "the line '\(line)'") { $0 == line }
    }

    /// Waits until a line of the output satisfies `matches`, and returns it.
    func waitForLine(timeout: Duration = .seconds(10), _ what: String, _ matches: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let line = outputLines.first(where: matches) { return line }
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what); output: \(outputLines)")
                throw HarnessTimeout()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until `name` reaches a state matching `matches`, failing after `timeout`.
    func waitForState(_ name: String, timeout: Duration = .seconds(10), _ matches: @escaping @Sendable (ResourceState) -> Bool) async throws {
        try await waitUntil(timeout: timeout, "\(name) to reach the expected state") { events in
            events.contains { if case .stateChanged(name, let state) = $0 { matches(state) } else { false } }
        }
    }

    /// Waits until the recorded events satisfy `condition`, failing after `timeout`.
    func waitUntil(timeout: Duration = .seconds(10), _ what: String, _ condition: @escaping @Sendable ([SupervisorEvent]) -> Bool) async throws {
        let met: Bool = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait(for: condition); return !Task.isCancelled }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        if !met {
            Issue.record("timed out waiting for \(what); states: \(events)")
            throw HarnessTimeout()
        }
    }

    private func wait(for condition: @escaping @Sendable ([SupervisorEvent]) -> Bool) async {
        let id = recorded.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = recorded.withLock { state -> Bool in
                    if Task.isCancelled || condition(state.events) { return true }
                    state.waiters[id] = (condition, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            recorded.withLock { $0.waiters.removeValue(forKey: id) }?.1.resume()
        }
    }

    private func record(_ event: SupervisorEvent) {
        let woken = recorded.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.events.append(event)
            let ready = state.waiters.filter { $0.value.0(state.events) }
            for id in ready.keys { state.waiters.removeValue(forKey: id) }
            return ready.values.map(\.1)
        }
        woken.forEach { $0.resume() }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

struct HarnessTimeout: Error {}

/// A shell command as a process specification.
func shell(_ name: String, _ script: String, restart: RestartPolicy = .never, healthCheck: HealthCheck = .processStarted,
           dependencies: [Dependency] = [], shutdownTimeout: Duration = .seconds(5)) -> ProcessSpecification {
    ProcessSpecification(name: name, command: ["/bin/sh", "-c", script], environment: ProcessInfo.processInfo.environment,
                         restart: restart, healthCheck: healthCheck, dependencies: dependencies, shutdownTimeout: shutdownTimeout)
}

/// A port nothing listens on now.
func freePort() -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
