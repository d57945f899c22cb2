import Dashboard
import Foundation

/// The table `apphost ps` prints: one row per resource, with its state, process and address.
struct ResourceTable {
    let resources: [DashboardResource]
    /// The moment uptimes are counted to.
    var now = Date()

    /// The table, header first, columns padded to their widest cell.
    var text: String {
        let header = ["NAME", "STATE", "PID", "UPTIME", "STARTS", "URL"]
        let rows = resources.map { resource -> [String] in
            let state = resource.stateDetail.map { "\(resource.state) (\($0))" } ?? resource.state
            let runs = ["Running", "Unhealthy", "Starting", "Stopping"].contains(resource.state)
            let uptime = runs ? resource.startedAt.map { Self.duration(now.timeIntervalSince($0)) } : nil
            return [resource.name, state, resource.pid.map(String.init) ?? "-", uptime ?? "-",
                    resource.kind == .signalRCloud ? "-" : String(resource.starts), resource.url ?? "-"]
        }
        let table = [header] + rows
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `42s`, `3m 05s`, `2h 07m`, `3d 4h`: short, and precise where it matters.
    static func duration(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m \(two(seconds % 60))s"
        case ..<86400: return "\(seconds / 3600)h \(two(seconds % 3600 / 60))m"
        default: return "\(seconds / 86400)d \(seconds % 86400 / 3600)h"
        }
    }
}
