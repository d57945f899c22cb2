import Foundation
import Resources
import Supervisor

/// The lines `apphost run` prints once everything is up: each resource, its URL and how long it
/// took to be ready, then the page to open.
struct RunSummary {
    /// The run: its resources, and which of them it starts.
    let plan: ProcessPlan
    let logFolder: String
    /// How to stop the run: Ctrl-C in the foreground, `apphost down` in the background.
    let stop: String

    private var application: ResolvedApplication { plan.application }

    /// The summary for `report`.
    func text(_ report: ReadinessReport) -> String {
        var rows: [[String]] = []
        for resource in application.model.resources where plan.runs(resource.name) {
            let entry = report.processes.first { $0.name == resource.name }
            let ready = entry?.readyAfter.map { "ready in " + Self.seconds($0) } ?? ""
            switch resource {
            case .signalR(let signalR):
                let state = signalR.emulator ? entry.map { "\($0.state)" } ?? "" : "Azure"
                let kind = signalR.emulator ? "SignalR emulator (\(signalR.mode.rawValue))" : "SignalR in Azure"
                rows.append([signalR.name, state, application.uri(of: signalR), kind, ready])
            case .project(let project):
                let url = project.hasEndpoint ? application.url(of: project) : "-"
                rows.append([project.name, entry.map { "\($0.state)" } ?? "", url, "project", ready])
            }
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = ["\(application.model.name) is up in \(Self.seconds(report.elapsed)):"]
        for row in rows {
            let cells = row.enumerated().map { index, cell in index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
            lines.append("  " + cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        let pages = application.model.projects.filter { $0.hasEndpoint && plan.runs($0.name) }.map { application.url(of: $0) + "/" }
        if let page = pages.first {
            lines.append("open \(page) · logs in \(logFolder) · \(stop)")
        } else {
            lines.append("logs in \(logFolder) · \(stop)")
        }
        return lines.joined(separator: "\n")
    }

    /// `0.42 s`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return String(format: "%.2f s", Double(milliseconds) / 1000)
    }
}
