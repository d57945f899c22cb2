import Emulator
import Foundation
import Resources
import Supervisor

/// The checks `apphost run` makes before it starts anything, so that a mistake never leaves
/// half the application running: fixed ports free, working directories present, commands found.
struct Preflight {
    let plan: ProcessPlan

    /// Every problem found, located in apphost.yaml.
    func problems() -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for fixed in plan.application.model.fixedPorts where plan.runs(fixed.resource) && !LoopbackSocket.isFree(fixed.port) {
            let holder = PortOwner.describe(port: fixed.port).map { " by \($0)" } ?? ""
            problems.append(.error("port \(fixed.port) of '\(fixed.resource)' is already in use\(holder)", at: fixed.location,
                                   hint: "stop what holds it, or choose another port (0 picks a free one)"))
        }
        for project in plan.application.model.projects where plan.runs(project.name) {
            problems += check(project)
        }
        return problems
    }

    private func check(_ project: ProjectResource) -> [Diagnostic] {
        let directory = plan.workingDirectory(of: project)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [.error("'\(project.name)' would fail to start: the working directory '\(project.workingDirectory ?? directory)' does not exist (\(directory))",
                           at: project.location(of: "workingDirectory"),
                           hint: "working directories are relative to the folder of apphost.yaml")]
        }
        guard let program = project.command.first.map({ plan.application.render($0).value }) else { return [] }
        let locator = ExecutableLocator(path: plan.environment(of: project)["PATH"])
        do {
            _ = try locator.locate(program, in: directory)
            return []
        } catch {
            var hint = "install it, or write the command with the program's full path"
            if case .notOnPath = error, let close = Suggestion.closest(to: program, in: locator.programNames()) {
                hint = "did you mean '\(close)'?"
            }
            return [.error("'\(project.name)' would fail to start (FailedToStart): \(error.description)",
                           at: project.location(of: "command"), hint: hint)]
        }
    }
}
