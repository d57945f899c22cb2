import AsyncHTTPClient
import Foundation
import Synchronization
import NIOPosix

/// Runs a set of processes together: in dependency order, each in a process group of its own,
/// their output multiplexed, restarted by their policies, and stopped in reverse order. An
/// orphan guard kills every group if the supervisor itself dies.
public final class Supervisor: Sendable {
    /// The processes, in the order given.
    public let processes: [ProcessSpecification]
    /// The settings.
    public let configuration: SupervisorConfiguration
    /// The terminal writer; callers print their own lines through it so nothing interleaves.
    public let console: LogMultiplexer
    /// Groups of processes to stop together, first to last: dependents before what they depend on.
    let stopWaves: [[String]]
    /// The controllers while ``run(shutdownRequests:events:)`` runs, for ``perform(_:on:)``.
    private let live = Mutex<[String: ProcessController]>([:])

    /// Checks `processes` (unique names, known dependencies, no cycles) for running.
    public init(processes: [ProcessSpecification], configuration: SupervisorConfiguration) throws(SupervisorError) {
        self.processes = processes
        self.configuration = configuration
        var style = configuration.style
        style.nameWidth = max(processes.map(\.name.count).max() ?? 0, 7)
        console = LogMultiplexer(style: style, descriptor: configuration.outputDescriptor)
        var names = Set<String>()
        for process in processes {
            guard names.insert(process.name).inserted else { throw SupervisorError(description: "two processes are named '\(process.name)'") }
            guard !process.command.isEmpty else { throw SupervisorError(description: "'\(process.name)' has an empty command") }
        }
        for process in processes {
            for dependency in process.dependencies where !names.contains(dependency.name) {
                throw SupervisorError(description: "'\(process.name)' depends on '\(dependency.name)', which is not supervised")
            }
        }
        stopWaves = try Self.startWaves(processes).reversed()
    }

    /// Runs everything until a shutdown request (then stops everything) or until every process
    /// has ended for good. `events` hears every state change, in order, and once, when every
    /// process is running (or has exited successfully), the readiness report.
    public func run(shutdownRequests: AsyncStream<ShutdownRequest>,
                    events: @escaping @Sendable (SupervisorEvent) -> Void = { _ in }) async throws(SupervisorError) -> SupervisionOutcome {
        // A closed terminal or a dead guard must not kill the supervisor with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let orphanGuard: OrphanGuard
        do { orphanGuard = try OrphanGuard() } catch { throw SupervisorError(description: "cannot start the orphan guard: \(error)") }
        if let folder = configuration.logFolder {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let startTime = ContinuousClock.now
        let order = processes.map(\.name)
        let reported = Latch()
        let board = StateBoard(names: order) { name, entry, entries in
            events(.stateChanged(name, entry.state))
            guard !reported.isOpen, entries.values.allSatisfy({ $0.state.isHealthy || $0.state == .exited(.exited(0)) }) else { return }
            reported.open()
            events(.ready(ReadinessReport(processes: order.map { ($0, entries[$0]!.state, entries[$0]!.readyAfter) },
                                    elapsed: startTime.duration(to: .now))))
        }
        let processTree = ProcessTreeWatch(orphanGuard: orphanGuard, console: console, adoptsOrphans: configuration.adoptsOrphans)
        let environment = SupervisionEnvironment(board: board, console: console, processTree: processTree,
                                                 probe: HealthProbe(client: client, timeout: configuration.healthSchedule.timeout),
                                                 configuration: configuration, startTime: startTime)
        let controllers = makeControllers(environment, events: events)
        live.withLock { $0 = controllers }
        defer { live.withLock { $0 = [:] } }
        let graceful = Latch()
        let immediate = Latch()

        // What the apps left in groups of their own waits for as long as the slowest of them.
        let stragglerTimeout = processes.map(\.shutdownTimeout).max() ?? .seconds(10)
        enum Finished { case controller, helper }
        await withTaskGroup(of: Finished.self) { group in
            for controller in controllers.values {
                group.addTask {
                    await controller.run()
                    return .controller
                }
            }
            group.addTask {
                for await request in shutdownRequests {
                    if request == .immediate || graceful.isOpen { immediate.open() }
                    graceful.open()
                }
                return .helper
            }
            group.addTask {
                await processTree.watch()
                return .helper
            }
            group.addTask {
                // Every process has ended by itself (none stopped on request, which waits for a
                // start): supervision is over, as `docker compose up` ends.
                await board.wait { entries in entries.values.allSatisfy { $0.state.isFinal && $0.state != .stopped } }
                guard !Task.isCancelled, !graceful.isOpen else { return .helper }
                for controller in controllers.values { await controller.stop() }
                return .helper
            }
            group.addTask {
                await graceful.wait()
                guard graceful.isOpen else { return .helper }
                await self.stopInOrder(controllers)
                return .helper
            }
            group.addTask {
                await immediate.wait()
                guard immediate.isOpen else { return .helper }
                self.console.announce("killing every process now (second interrupt)")
                for controller in controllers.values { await controller.kill() }
                return .helper
            }
            var running = controllers.count
            while let finished = await group.next() {
                guard finished == .controller else { continue }
                running -= 1
                if running == 0 {
                    // The shutdown listener still runs here, so a second Ctrl-C hurries this.
                    await processTree.stopEscapedGroups(within: stragglerTimeout, hurry: immediate)
                    group.cancelAll()
                }
            }
        }
        await orphanGuard.finish()
        try? await client.shutdown()
        if graceful.isOpen { return .stoppedOnRequest }
        let states = board.snapshot.values.map(\.state)
        return .allEnded(allSucceeded: states.allSatisfy { $0 == .exited(.exited(0)) })
    }

    private func makeControllers(_ environment: SupervisionEnvironment,
                                 events: @escaping @Sendable (SupervisorEvent) -> Void) -> [String: ProcessController] {
        var controllers: [String: ProcessController] = [:]
        for (index, process) in processes.enumerated() {
            let file = configuration.logFolder.flatMap {
                LogFile(path: ($0 as NSString).appendingPathComponent("\(process.name).log"), limit: configuration.logFileLimit)
            }
            let name = process.name
            var observer: (@Sendable ([String], Bool) -> Void)?
            if configuration.reportsOutput {
                observer = { @Sendable lines, isError in events(.output(name, lines: lines, isError: isError)) }
            }
            let log = ProcessLog(name: process.name, index: index, terminal: console, file: file,
                                 redactor: Redactor(secrets: configuration.secrets), maximumLineLength: configuration.maximumLineLength,
                                 observer: observer)
            controllers[process.name] = ProcessController(specification: process, environment: environment, log: log,
                                                          launched: { events(.launched(name, pid: $0)) })
        }
        return controllers
    }

    /// Starts, stops or restarts the process called `name` while the others run on; returns once
    /// the request is carried out (a stopped process has exited).
    public func perform(_ action: ResourceAction, on name: String) async throws(ActionRefusal) {
        guard let controller = live.withLock({ $0[name] }) else {
            throw ActionRefusal(description: processes.contains { $0.name == name } ? "supervision has not started or is over" : "no process is called '\(name)'")
        }
        try await controller.perform(action)
    }

    /// Stops wave after wave; the members of a wave stop together.
    private func stopInOrder(_ controllers: [String: ProcessController]) async {
        for wave in stopWaves {
            await withTaskGroup(of: Void.self) { group in
                for name in wave {
                    guard let controller = controllers[name] else { continue }
                    group.addTask { await controller.stop() }
                }
            }
        }
    }

    /// Processes grouped so each group depends only on earlier ones; a cycle is an error.
    static func startWaves(_ processes: [ProcessSpecification]) throws(SupervisorError) -> [[String]] {
        var remaining = processes
        var placed = Set<String>()
        var waves: [[String]] = []
        while !remaining.isEmpty {
            let wave = remaining.filter { $0.dependencies.allSatisfy { placed.contains($0.name) } }.map(\.name)
            guard !wave.isEmpty else {
                throw SupervisorError(description: "the dependencies of \(remaining.map { "'\($0.name)'" }.joined(separator: ", ")) form a cycle")
            }
            waves.append(wave)
            placed.formUnion(wave)
            remaining.removeAll { placed.contains($0.name) }
        }
        return waves
    }
}
