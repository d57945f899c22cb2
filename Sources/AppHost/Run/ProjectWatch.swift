import Foundation
import Resources
import Supervisor

/// `apphost run --watch`: a project whose files change is restarted, as `docker compose watch`
/// does with `action: restart`. What a project watches is its `workingDirectory`; a project
/// without one runs in the apphost.yaml folder, which holds everything else too, so it is not
/// watched (and apphost says so).
struct ProjectWatch {
    /// The projects to watch, by name, and their folders.
    let folders: [(name: String, folder: String)]

    /// The watched projects of `plan`; announces those left unwatched.
    init(plan: ProcessPlan, console: LogMultiplexer) {
        var folders: [(String, String)] = []
        var unwatched: [String] = []
        for project in plan.application.model.projects where plan.runs(project.name) {
            if project.workingDirectory == nil {
                unwatched.append(project.name)
            } else {
                folders.append((project.name, plan.workingDirectory(of: project)))
            }
        }
        if !unwatched.isEmpty {
            console.announce("--watch: not watching \(unwatched.joined(separator: ", ")): give a project a workingDirectory of its own to restart it when its files change")
        }
        self.folders = folders
    }

    /// Restarts each project when its files change, until the task is cancelled.
    func run(supervisor: Supervisor, console: LogMultiplexer) async {
        await withTaskGroup(of: Void.self) { group in
            for (name, folder) in folders {
                let changes: AsyncStream<[String]>
                do {
                    let watch = try DirectoryWatch.start(under: folder)
                    changes = watch.changes
                    if let first = watch.unwatched.first {
                        console.announce("--watch: \(watch.unwatched.count) folder\(watch.unwatched.count == 1 ? "" : "s") of \(name) cannot be watched (\(first)…); changes there restart nothing. Raise fs.inotify.max_user_watches if it is the limit.")
                    }
                } catch {
                    console.announce("--watch: cannot watch \(name)'s folder \(folder): \(error)")
                    continue
                }
                group.addTask {
                    var recent: [ContinuousClock.Instant] = []
                    for await batch in changes {
                        // An app that writes into its own folder would restart itself for ever.
                        let now = ContinuousClock.now
                        recent = recent.filter { now - $0 < Self.loopWindow } + [now]
                        if recent.count > Self.loopRestarts {
                            console.announce(Self.loopMessage(name, last: batch))
                            return
                        }
                        console.announce("\(name): \(Self.describe(batch)) changed; restarting")
                        do {
                            try await supervisor.perform(.restart, on: name)
                        } catch {
                            console.announce("\(name): not restarted: \(error)")
                        }
                    }
                }
            }
        }
    }

    /// More restarts than this within ``loopWindow`` mean the app changes its own files.
    static let loopRestarts = 5
    static let loopWindow = Duration.seconds(10)

    /// Why apphost stops watching `name`, and what to do.
    static func loopMessage(_ name: String, last batch: [String]) -> String {
        "--watch: \(name) was restarted \(loopRestarts) times within \(loopWindow.components.seconds) s because its files "
            + "changed (last: \(describe(batch))); it seems to write into its own folder, so apphost stops watching it. "
            + "Keep what it writes out of its workingDirectory (or in a hidden folder, a .log or a .db file) and run again."
    }

    /// `app.py`, `app.py and index.html`, `app.py and 3 more files`.
    static func describe(_ paths: [String]) -> String {
        switch paths.count {
        case 0: "nothing"
        case 1: paths[0]
        case 2: "\(paths[0]) and \(paths[1])"
        default: "\(paths[0]) and \(paths.count - 1) more files"
        }
    }
}
