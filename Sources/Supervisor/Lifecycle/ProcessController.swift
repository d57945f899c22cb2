import Foundation

/// Runs one process for its whole life: waits for its dependencies, starts it, watches its
/// health, restarts it by its policy, and stops it — SIGTERM to its process group, SIGKILL
/// after its shutdown timeout.
actor ProcessController {
    /// The process it runs.
    let specification: ProcessSpecification
    let environment: SupervisionEnvironment
    private let log: ProcessLog
    /// Opened when the supervisor asks it to stop: no start and no restart after that.
    let stopRequested = Latch()
    /// Opened when `run()` returns: the final state is on the board and the output is drained.
    private let finished = Latch()
    /// Ends the current episode (a stop from the dashboard, or the supervisor's): opened by
    /// either, and made anew when the process is started again.
    var episodeEnds = Latch()
    /// Opened to cut a restart delay short or to start again a process that has ended.
    var startNow = Latch()
    /// Set by a restart request: the coming exit is not a failure, and the start follows at once.
    var restartRequested = false
    /// Whether the process has ended (by itself or on request) and waits to be started again.
    var isIdle = false
    /// The running child, if any, and the latch its exit opens.
    var current: (pid: pid_t, exited: Latch)?
    /// Set when the health monitor kills an unhealthy child, so its exit counts as a failure.
    private var killedAsUnhealthy = false

    /// Told the pid of each start.
    private let launched: @Sendable (pid_t) -> Void

    init(specification: ProcessSpecification, environment: SupervisionEnvironment, log: ProcessLog,
         launched: @escaping @Sendable (pid_t) -> Void = { _ in }) {
        self.launched = launched
        self.specification = specification
        self.environment = environment
        self.log = log
    }

    var name: String { specification.name }
    var board: StateBoard { environment.board }

    /// Runs the process until the supervisor stops it. A process that ends for good (or is
    /// stopped from the dashboard) waits, idle, until it is started again.
    func run() async {
        defer { finished.open() }
        while true {
            await runEpisode()
            guard !stopRequested.isOpen else { return }
            isIdle = true
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.stopRequested.wait() }
                group.addTask { await self.startNow.wait() }
                await group.next()
                group.cancelAll()
            }
            isIdle = false
            guard !stopRequested.isOpen else { return }
            episodeEnds = Latch()
            startNow = Latch()
        }
    }

    /// One episode: waits for the dependencies, then starts the process and restarts it by its
    /// policy until it ends for good, crash-loops, or is stopped.
    private func runEpisode() async {
        guard await waitForDependencies() else {
            board.set(name, .stopped)
            return
        }
        var tracker = RestartTracker(policy: specification.restart, backoff: environment.configuration.restartBackoff)
        while !episodeEnds.isOpen {
            board.set(name, .starting)
            let launched: LaunchedProcess
            do {
                launched = try environment.processTree.launch(specification)
            } catch {
                board.set(name, .failedToStart(error.description))
                environment.console.announce("\(name) failed to start: \(error.description)")
                return
            }
            let exited = Latch()
            current = (launched.pid, exited)
            killedAsUnhealthy = false
            let started = ContinuousClock.now
            let drained = [log.startPump(launched.standardOutput, stream: .output),
                           log.startPump(launched.standardError, stream: .error)]
            environment.console.announce("\(name) started (pid \(launched.pid))")
            self.launched(launched.pid)

            let status = await superviseUntilExit(pid: launched.pid, started: started)
            // Whatever the process left behind in its group goes with it.
            ProcessControl.signalGroup(launched.pid, SIGKILL)
            environment.processTree.signalEscapedGroups(of: name, SIGKILL)
            environment.processTree.ended(launched.pid)
            current = nil
            exited.open()
            for latch in drained { _ = await latch.wait(atMost: .seconds(2)) }
            let ended = ContinuousClock.now

            if episodeEnds.isOpen {
                board.set(name, .stopped)
                environment.console.announce("\(name) stopped (\(status))")
                return
            }
            if restartRequested {
                restartRequested = false
                tracker = RestartTracker(policy: specification.restart, backoff: environment.configuration.restartBackoff)
                environment.console.announce("\(name) exited (\(status)); starting it again, as asked")
                continue
            }
            let decision = killedAsUnhealthy
                ? tracker.decideRestart(started: started, ended: ended)
                : tracker.decide(after: status, started: started, ended: ended)
            switch decision {
            case .leave:
                board.set(name, .exited(status))
                environment.console.announce("\(name) exited (\(status))")
                return
            case .crashLoop:
                let backoff = environment.configuration.restartBackoff
                let reason = "crash loop: \(backoff.crashLoopFailures) failures within \(RestartTracker.describe(backoff.crashLoopWindow))"
                board.set(name, .failedToStart(reason))
                let lines = log.recentLines.map { "    \($0)" }.joined(separator: "\n")
                environment.console.announce("\(name) exited (\(status)); FailedToStart (\(reason)), left stopped. Its last lines:\n\(lines)")
                return
            case .restart(let delay):
                board.set(name, .restarting(after: delay))
                environment.console.announce("\(name) exited (\(status)); restarting in \(RestartTracker.describe(delay))")
                await waitForRestart(after: delay)
                if episodeEnds.isOpen {
                    board.set(name, .stopped)
                    return
                }
            }
        }
        board.set(name, .stopped)
    }

    /// Waits out a restart delay; a stop ends it, and so does a request to restart now.
    private func waitForRestart(after delay: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = await self.episodeEnds.wait(atMost: delay) }
            group.addTask { await self.startNow.wait() }
            await group.next()
            group.cancelAll()
        }
        startNow = Latch()
    }

    /// Stops the process: SIGTERM to its group, SIGKILL after the shutdown timeout. Returns once
    /// the controller has recorded it as stopped, so whatever it depends on is stopped after it.
    func stop() async {
        stopRequested.open()
        episodeEnds.open()
        await terminateCurrent()
        await finished.wait()
    }

    /// SIGTERM to the running process's group (and the groups it started), SIGKILL after the
    /// shutdown timeout; returns once it has exited (or at once when nothing runs).
    func terminateCurrent() async {
        guard let (pid, exited) = current else { return }
        board.set(name, .stopping)
        ProcessControl.signalGroup(pid, SIGTERM)
        environment.processTree.signalEscapedGroups(of: name, SIGTERM)
        if await !exited.wait(atMost: specification.shutdownTimeout) {
            environment.console.announce("\(name) did not stop within \(RestartTracker.describe(specification.shutdownTimeout)) of SIGTERM; sending SIGKILL")
            ProcessControl.signalGroup(pid, SIGKILL)
            environment.processTree.signalEscapedGroups(of: name, SIGKILL)
            await exited.wait()
        }
    }

    /// Kills the process group (and the groups it started) at once, and starts nothing more.
    func kill() {
        stopRequested.open()
        episodeEnds.open()
        if let (pid, _) = current {
            ProcessControl.signalGroup(pid, SIGKILL)
            environment.processTree.signalEscapedGroups(of: name, SIGKILL)
        }
    }

    /// Waits for the child to exit while its health monitor runs beside it.
    private func superviseUntilExit(pid: pid_t, started: ContinuousClock.Instant) async -> ExitStatus {
        await withTaskGroup(of: ExitStatus?.self) { group in
            group.addTask { await ProcessControl.waitForExit(pid) }
            group.addTask {
                await self.monitorHealth(pid: pid, started: started)
                return nil
            }
            var status = ExitStatus.exited(-1)
            while let result = await group.next() {
                if let result {
                    status = result
                    group.cancelAll()
                }
            }
            return status
        }
    }

    /// Checks health until cancelled: Starting until the first pass, then Running; Unhealthy after
    /// repeated failures (and, under `always`, killed so it restarts).
    private func monitorHealth(pid: pid_t, started: ContinuousClock.Instant) async {
        let schedule = environment.configuration.healthSchedule
        var interval = schedule.startingInterval
        var ready = false
        var failures = 0
        while !Task.isCancelled {
            let outcome = await environment.probe.check(specification.healthCheck)
            guard !Task.isCancelled, !episodeEnds.isOpen else { return }
            switch outcome {
            case .healthy:
                failures = 0
                if !ready {
                    ready = true
                    let readyAfter = environment.startTime.duration(to: .now)
                    environment.console.announce("\(name) is running (ready in \(RestartTracker.describe(started.duration(to: .now))))")
                    board.set(name, .running, readyAfter: readyAfter)
                } else if case .unhealthy = board.snapshot[name]?.state {
                    board.set(name, .running)
                    environment.console.announce("\(name) is healthy again")
                }
            case .unhealthy(let reason):
                guard ready else { break }
                failures += 1
                if failures == schedule.failureThreshold {
                    board.set(name, .unhealthy(reason))
                    environment.console.announce("\(name) is unhealthy: \(failures) checks failed (\(reason))")
                    if specification.restart == .always {
                        killedAsUnhealthy = true
                        ProcessControl.signalGroup(pid, SIGTERM)
                        try? await Task.sleep(for: specification.shutdownTimeout)
                        if !Task.isCancelled { ProcessControl.signalGroup(pid, SIGKILL) }
                        return
                    }
                }
            }
            if ready, specification.healthCheck == .processStarted { return }
            try? await Task.sleep(for: ready ? schedule.runningInterval : interval)
            if !ready { interval = min(interval * 1.5, schedule.startingIntervalLimit) }
        }
    }

    /// Waits until every dependency is satisfied, showing Waiting with the reason meanwhile;
    /// false when the supervisor asks it to stop first.
    private func waitForDependencies() async -> Bool {
        let dependencies = specification.dependencies
        var shown: String?
        while !episodeEnds.isOpen {
            let entries = board.snapshot
            let blocking = dependencies.filter { !Self.isSatisfied($0, entries[$0.name]) }
            if blocking.isEmpty { return true }
            let reason = blocking.map { Self.describeWait(for: $0, entries[$0.name]) }.joined(separator: "; ")
            if reason != shown {
                // Said once, and again only when a dependency has ended: the start-up steps of
                // the others (NotStarted, Starting) are announced by themselves.
                if shown == nil || blocking.contains(where: { entries[$0.name]?.state.isFinal == true }) {
                    environment.console.announce("\(name) is waiting: \(reason)")
                }
                shown = reason
                board.set(name, .waiting(reason))
            }
            let seen = blocking.map { entries[$0.name]?.state }
            let names = blocking.map(\.name)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.episodeEnds.wait() }
                group.addTask {
                    await self.board.wait { entries in names.map { entries[$0]?.state } != seen }
                }
                await group.next()
                group.cancelAll()
            }
        }
        return false
    }

    private static func isSatisfied(_ dependency: Dependency, _ entry: StateBoard.Entry?) -> Bool {
        guard let entry else { return true }
        switch dependency.condition {
        case .started: return entry.hasStarted
        case .healthy: return entry.state.isHealthy
        }
    }

    private static func describeWait(for dependency: Dependency, _ entry: StateBoard.Entry?) -> String {
        let goal = dependency.condition == .healthy ? "healthy" : "started"
        return "for '\(dependency.name)' to be \(goal) (it is \(entry?.state.description ?? "unknown"))"
    }
}
