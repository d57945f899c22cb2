import Dashboard
import Emulator
import Foundation
import Logging
import Resources
import Supervisor

/// The dashboard of one `apphost run`: its port, its token, and the link to open.
struct DashboardLaunch: Sendable {
    /// The port apphost tries first, so the link stays the same from run to run.
    static let preferredPort = 18888

    /// The port chosen at start.
    let port: Int
    /// Whether the port was given with --dashboard-port (then it is not changed).
    private let portIsFixed: Bool
    /// Guards the dashboard; in the link only.
    let token: String
    let feed: DashboardFeed
    /// The run's OpenTelemetry endpoint and what it received, shown under `/api/telemetry`.
    let telemetry: TelemetryLaunch?
    private let emulators: [String: SignalRIntrospection]
    /// `.apphost/` of the run, where the address is left for `apphost ps` and the like.
    private let stateFolder: URL

    /// The link `apphost run` prints for the dashboard on `port`.
    func link(port: Int) -> String { "http://localhost:\(port)/?t=\(token)" }

    /// A dashboard for `plan` on `requestedPort` (nil: 18888, or a free port when that is
    /// taken; 0: a free port). The emulators of `plan` answer introspection with `introspectionToken`.
    init(plan: ProcessPlan, requestedPort: Int?, introspectionToken: String, telemetry: TelemetryLaunch? = nil) throws(CommandFailure) {
        self.telemetry = telemetry
        portIsFixed = (requestedPort ?? 0) != 0
        do {
            switch requestedPort {
            case nil: port = LoopbackSocket.isFree(Self.preferredPort) ? Self.preferredPort : try LoopbackSocket.freePort()
            case 0: port = try LoopbackSocket.freePort()
            case let fixed?:
                guard LoopbackSocket.isFree(fixed) else {
                    let holder = PortOwner.describe(port: fixed).map { " by \($0)" } ?? ""
                    throw CommandFailure.userError("error: the dashboard's port \(fixed) is already in use\(holder)\n    hint: give another --dashboard-port, 0 for a free one, or --no-dashboard")
                }
                port = fixed
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw .runtimeFailure("error: cannot find a free port for the dashboard: \(error)")
        }
        token = Self.randomToken()
        stateFolder = plan.file.stateFolder
        feed = DashboardFeed(plan: plan)
        var emulators: [String: SignalRIntrospection] = [:]
        for signalR in plan.application.model.signalRResources where signalR.emulator {
            guard let emulatorPort = plan.application.ports[signalR.name] else { continue }
            emulators[signalR.name] = SignalRIntrospection(baseURL: "http://127.0.0.1:\(emulatorPort)", token: introspectionToken)
        }
        self.emulators = emulators
    }

    /// Serves until cancelled, passing starts, stops and restarts to `supervisor`; says where
    /// once it listens, and says so if it cannot serve. A port that was free when chosen but is
    /// taken by the time the server binds (another apphost starting at the same moment) is
    /// traded once for a free one, unless it was given with --dashboard-port. While it serves,
    /// its address is in `.apphost/run/dashboard.json` for the commands that control a run.
    func run(console: LogMultiplexer, supervisor: Supervisor) async {
        let hosts = LoopbackSocket.ipv6Available() ? ["127.0.0.1", "::1"] : ["127.0.0.1"]
        var port = port
        var retried = portIsFixed
        while true {
            let link = link(port: port)
            let address = DashboardAddress(pid: getpid(), port: port, token: token)
            defer { address.remove(from: stateFolder) }
            do {
                try await server(port: port, supervisor: supervisor).run(hosts: hosts) { [stateFolder] in
                    do {
                        try address.write(in: stateFolder)
                    } catch {
                        console.announce("cannot leave the dashboard's address for `apphost ps` and `apphost logs`: \(error)")
                    }
                    console.announce("dashboard at \(link)")
                }
                return
            } catch {
                guard !Task.isCancelled else { return }
                if !retried, "\(error)".contains("Address already in use"), let free = try? LoopbackSocket.freePort() {
                    retried = true
                    port = free
                    continue
                }
                console.announce("the dashboard stopped: \(error)")
                return
            }
        }
    }

    private func server(port: Int, supervisor: Supervisor) -> DashboardServer {
        var logger = Logger(label: "apphost.dashboard")
        logger.logLevel = .critical
        let answer: DashboardServer.TelemetryHandler? = telemetry.map { launch in { @Sendable route, query in launch.answer(route, query) } }
        return DashboardServer(state: feed.state, port: port, token: token, emulators: emulators, actions: { name, action in
            guard let action = ResourceAction(rawValue: action) else { return "unknown action '\(action)'" }
            do {
                try await supervisor.perform(action, on: name)
                return nil
            } catch {
                return "\(error)"
            }
        }, telemetry: answer, logger: logger)
    }

    /// 32 random bytes as hex: for links, where base64's `+` and `/` would need escaping.
    static func randomToken() -> String {
        AccessKeyStore.randomHex(32)
    }
}
