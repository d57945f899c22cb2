import Dashboard
import Foundation
import Supervisor

/// Lines of a run's resources as `apphost logs` prints them: as `apphost run` printed them,
/// `name | text` (`name ! text` for stderr), each name in the colour `apphost run` gave it, and
/// apphost's own lines about a resource (a start, an exit) as `apphost | name: text`.
struct LogLineFormatter {
    private let style: LogStyle
    private let colorIndex: [String: Int]

    /// A formatter for the lines of `resources` (all of them, so colours and padding match the run's).
    init(resources: [DashboardResource], color: Bool, timestamps: Bool) {
        // `apphost run` numbers the processes it runs, so a resource in Azure takes no colour.
        let running = resources.filter { $0.kind != .signalRCloud }.map(\.name)
        colorIndex = Dictionary(uniqueKeysWithValues: running.enumerated().map { ($0.element, $0.offset) })
        style = LogStyle(color: color, timestamps: timestamps, nameWidth: max(running.map(\.count).max() ?? 0, 7))
    }

    /// One line, without its newline.
    func format(_ line: DashboardLogLine) -> String {
        var bytes: [UInt8] = []
        if style.timestamps {
            let seconds = line.time.timeIntervalSince1970.rounded(.down)
            bytes += LogStyle.timeOfDay(at: timespec(tv_sec: Int(seconds), tv_nsec: Int((line.time.timeIntervalSince1970 - seconds) * 1e9)))
        }
        if line.isLifecycle {
            bytes += style.systemPrefix()
            bytes += Array("\(line.resource): \(line.text)".utf8)
        } else {
            bytes += style.prefix(name: line.resource, index: colorIndex[line.resource] ?? 0, isError: line.isError)
            bytes += Array(line.text.utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The lines of several resources in the order they were written; lines written at the
    /// same moment keep their resource's order.
    static func merged(_ logs: [[DashboardLogLine]]) -> [DashboardLogLine] {
        logs.enumerated()
            .flatMap { log in log.element.enumerated().map { (line: $0.element, log: log.offset, position: $0.offset) } }
            .sorted { ($0.line.time, $0.log, $0.position) < ($1.line.time, $1.log, $1.position) }
            .map(\.line)
    }
}
