import Dashboard
import Emulator
import Foundation
import Logging
import Resources
import Supervisor
import Telemetry

/// The OpenTelemetry side of one `apphost run` with a dashboard: the OTLP/HTTP endpoint the
/// projects export to, what it has received, and the dashboard's JSON view of it.
struct TelemetryLaunch: Sendable {
    let store = TelemetryStore()
    let port: Int
    let apiKey: String
    /// What the projects are given (ProcessPlan injects it).
    let export: TelemetryExport

    /// An endpoint on a free loopback port with a new key.
    init() throws(CommandFailure) {
        do { port = try LoopbackSocket.freePort() } catch {
            throw .runtimeFailure("error: cannot find a free port for the telemetry endpoint: \(error)")
        }
        apiKey = AccessKeyStore.randomHex(32)
        export = TelemetryExport(endpoint: "http://localhost:\(port)", apiKey: apiKey, instanceSuffix: AccessKeyStore.randomHex(4))
    }

    /// Receives until cancelled; `onReady` once it listens.
    func run(console: LogMultiplexer, onReady: @escaping @Sendable () -> Void) async {
        var logger = Logger(label: "apphost.telemetry")
        logger.logLevel = .critical
        let receiver = OTLPReceiver(store: store, port: port, apiKey: apiKey, logger: logger)
        let hosts = LoopbackSocket.ipv6Available() ? ["127.0.0.1", "::1"] : ["127.0.0.1"]
        do {
            try await receiver.run(hosts: hosts, onReady: onReady)
        } catch {
            guard !Task.isCancelled else { return }
            console.announce("the telemetry endpoint stopped: \(error)")
            onReady()
        }
    }

    /// `GET /api/telemetry/<route>`: resources, traces, traces/ID, logs, metrics,
    /// metrics/RESOURCE/NAME, as JSON; nil for any other route.
    func answer(_ route: [String], _ query: [String: String]) -> Data? {
        let limit = query["limit"].flatMap(Int.init)
        let encoder = DashboardJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<Value: Encodable>(_ value: Value) -> Data? { try? encoder.encode(value) }
        switch route {
        case ["resources"]:
            return json(store.summary())
        case ["traces"]:
            return json(store.traces(resource: query["resource"], name: query["name"],
                                     minimumMilliseconds: query["minDurationMs"].flatMap(Double.init),
                                     errorsOnly: query["errors"] == "true", limit: limit ?? 100))
        case let path where path.count == 2 && path[0] == "traces":
            return json(store.trace(path[1]))
        case ["logs"]:
            return json(store.logs(resource: query["resource"], minimumSeverity: query["minSeverity"].flatMap(Int.init) ?? 0,
                                   text: query["text"], traceID: query["traceId"], limit: limit ?? 500))
        case ["metrics"]:
            return json(store.instruments(resource: query["resource"]))
        case let path where path.count == 3 && path[0] == "metrics":
            return json(store.points(resource: path[1], instrument: path[2], limit: limit ?? 500))
        default:
            return nil
        }
    }
}
