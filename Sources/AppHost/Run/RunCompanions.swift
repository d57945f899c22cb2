import Identity
import Supervisor

/// What runs beside the supervisor in one `apphost run`: the summary once everything is up, the
/// dashboard, the watches of --watch and the hand-over of --detach. Each is optional.
struct RunCompanions {
    let console: LogMultiplexer
    let summary: RunSummary
    var dashboard: DashboardLaunch?
    var projectWatch: ProjectWatch?
    var detached: DetachedConsole?
    /// The token endpoint of the projects' managed identities; it listens before anything starts.
    var tokenService: ManagedIdentityServer?

    /// Supervises until the run ends, with every companion alongside: the watches end with
    /// supervision, the dashboard just after, once the streams of its pages and of
    /// `apphost logs --follow` have told them the run is over.
    func supervise(_ supervisor: Supervisor, shutdownRequests: AsyncStream<ShutdownRequest>) async throws -> SupervisionOutcome {
        guard let tokenService else { return try await withTelemetry(supervisor, shutdownRequests: shutdownRequests) }
        // The token service listens before any project starts (a project may ask for a token
        // at once) and serves until supervision is over.
        return try await alongside({ listening in try await tokenService.run { listening() } }) {
            console.announce("managed identities: tokens at \(tokenService.endpoint) (IDENTITY_ENDPOINT), signing key in \(tokenService.openIDConfiguration)")
            return try await withTelemetry(supervisor, shutdownRequests: shutdownRequests)
        }
    }

    /// The OTLP endpoint listens before any project starts (its SDK exports from the first
    /// second) and receives until supervision and the dashboard are over.
    private func withTelemetry(_ supervisor: Supervisor, shutdownRequests: AsyncStream<ShutdownRequest>) async throws -> SupervisionOutcome {
        guard let telemetry = dashboard?.telemetry else { return try await withDashboard(supervisor, shutdownRequests: shutdownRequests) }
        return try await alongside({ listening in await telemetry.run(console: console) { listening() } }) {
            try await withDashboard(supervisor, shutdownRequests: shutdownRequests)
        }
    }

    /// Starts `serve`, waits until it says it listens (it calls its argument), runs `body`, then
    /// cancels `serve`. A `serve` that fails before it listens fails the whole.
    private func alongside(_ serve: @escaping @Sendable (_ listening: @escaping @Sendable () -> Void) async throws -> Void,
                           then body: () async throws -> SupervisionOutcome) async throws -> SupervisionOutcome {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (started, starting) = AsyncStream<Result<Void, any Error>>.makeStream()
            group.addTask {
                do {
                    try await serve { starting.yield(.success(())) }
                    starting.finish()
                } catch {
                    starting.yield(.failure(error))
                    starting.finish()
                    throw error
                }
            }
            for await result in started {
                try result.get()
                break
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Supervision with the dashboard alongside, which ends just after it.
    private func withDashboard(_ supervisor: Supervisor, shutdownRequests: AsyncStream<ShutdownRequest>) async throws -> SupervisionOutcome {
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let dashboard { group.addTask { await dashboard.run(console: console, supervisor: supervisor) } }
            let outcome: SupervisionOutcome
            do {
                outcome = try await watching(supervisor, shutdownRequests: shutdownRequests)
            } catch {
                dashboard?.feed.state.finish()
                group.cancelAll()
                throw error
            }
            dashboard?.feed.state.finish()
            try await group.waitForAll()
            return outcome
        }
    }

    /// Supervision with the watches of --watch, which end with it.
    private func watching(_ supervisor: Supervisor, shutdownRequests: AsyncStream<ShutdownRequest>) async throws -> SupervisionOutcome {
        try await withThrowingTaskGroup(of: Void.self) { watches in
            if let projectWatch { watches.addTask { await projectWatch.run(supervisor: supervisor, console: console) } }
            defer { watches.cancelAll() }
            return try await supervisor.run(shutdownRequests: shutdownRequests) { event in
                dashboard?.feed.apply(event)
                if case .ready(let report) = event { console.announce(summary.text(report)) }
                detached?.observe(event)
            }
        }
    }
}
