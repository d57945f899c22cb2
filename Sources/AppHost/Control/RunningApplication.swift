import Dashboard
import Foundation
import Resources

/// The `apphost run` of an apphost.yaml, reached through its dashboard: what `apphost ps`,
/// `logs`, `start`, `stop` and `restart` talk to.
struct RunningApplication {
    /// The apphost.yaml it runs.
    let file: ModelFile
    /// Its dashboard.
    let client: DashboardClient

    /// The run of the apphost.yaml `options` names; fails with what to do when none is running.
    static func find(_ options: ModelOptions) throws(CommandFailure) -> RunningApplication {
        let file = try options.locate()
        guard let address = DashboardAddress.read(from: file.stateFolder), address.writerIsAlive else {
            throw notRunning(file)
        }
        return RunningApplication(file: file, client: DashboardClient(port: address.port, token: address.token))
    }

    /// Every resource; a run that has ended meanwhile is reported as not running.
    func resources() async throws(CommandFailure) -> [DashboardResource] {
        do {
            return try await client.resources()
        } catch {
            throw failure(error)
        }
    }

    /// `names` checked against the run's resources: an unknown one is a user error with a
    /// suggestion. No names means every resource.
    func select(_ names: [String], from resources: [DashboardResource]) throws(CommandFailure) -> [String] {
        let known = resources.map(\.name)
        guard !names.isEmpty else { return known }
        for name in names where !known.contains(name) {
            throw .unknownResource(name, in: file.path, known: known)
        }
        return names
    }

    /// A failure of the dashboard as the user should read it.
    func failure(_ error: DashboardClient.Failure) -> CommandFailure {
        switch error {
        case .unreachable, .unauthorized:
            Self.notRunning(file)
        case .notFound(let reason):
            .userError("error: \(reason)")
        case .refused(let reason):
            .runtimeFailure("error: \(reason)")
        case .unexpected:
            .runtimeFailure("error: \(error)")
        }
    }

    private static func notRunning(_ file: ModelFile) -> CommandFailure {
        .runtimeFailure("""
            error: apphost is not running \(file.path) (or runs it with --no-dashboard)
                hint: start it with `apphost run` in another terminal; ps, logs, start, stop and restart talk to its dashboard
            """)
    }
}
