import ArgumentParser
import Dashboard
import Foundation
import Supervisor

/// `apphost logs`: what the resources of a running `apphost run` have printed, as
/// `docker compose logs` shows it; with `--follow`, what they print from now on too.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show the output of the resources of a running `apphost run`.",
        discussion: """
            Prints what each resource (or only the RESOURCEs named) has written, in the order \
            it was written and as `apphost run` shows it: `name | line`, `name ! line` for \
            stderr, and apphost's own lines about the resource (starts, exits, restarts) as \
            `apphost | name: …`. Access keys are masked. The run keeps the last 5,000 lines of \
            each resource; .apphost/logs/ holds everything.

            With --follow, it then prints every new line as it comes, until Ctrl-C or until \
            the run ends. (-f names the apphost.yaml, as for every command.)

            Exit codes: 0 shown, 1 an unknown resource, 2 no run of this apphost.yaml is going.
            """
    )

    @Argument(help: "Only these resources (default: every one).")
    var resources: [String] = []

    @OptionGroup var model: ModelOptions

    @Flag(help: "Keep printing new lines as they come, until Ctrl-C or the end of the run.")
    var follow = false

    @Option(help: ArgumentHelp("Only the last N lines of each resource.", valueName: "N"))
    var tail: Int?

    @Flag(help: "Start every line with the time of day it was written.")
    var timestamps = false

    @Flag(help: "No colours, even on a terminal (NO_COLOR=1 does the same).")
    var noColor = false

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more, not \(tail)") }
        // `docker compose logs -f api` follows; here -f names the apphost.yaml. Say so rather
        // than "api: no such file".
        if let file = model.file, !FileManager.default.fileExists(atPath: file), !file.contains("/"), !file.hasSuffix(".yaml"), !file.hasSuffix(".yml") {
            throw ValidationError("-f names the apphost.yaml to read, and there is no file '\(file)'; to follow the logs, use --follow (apphost logs --follow \(file))")
        }
    }

    func run() async throws {
        let application = try RunningApplication.find(model)
        let all = try await application.resources()
        let names = try application.select(resources, from: all)
        let color = LogStyle.colorWanted(noColorFlag: noColor, environment: ProcessInfo.processInfo.environment)
        let formatter = LogLineFormatter(resources: all, color: color, timestamps: timestamps)
        do {
            // Listening starts before the history is read, so no line falls between the two.
            let updates = follow ? try await application.client.updates(logsOf: resources.isEmpty ? ["*"] : names) : nil
            var histories: [[DashboardLogLine]] = []
            for name in names {
                let lines = try await application.client.lines(of: name)
                histories.append(tail.map { Array(lines.suffix($0)) } ?? lines)
            }
            var shown = Dictionary(uniqueKeysWithValues: zip(names, histories.map { $0.last?.sequence ?? 0 }))
            let history = LogLineFormatter.merged(histories).map(formatter.format)
            if !history.isEmpty { Console.output(history.joined(separator: "\n")) }
            guard let updates else { return }
            let wanted = Set(names)
            for try await update in updates {
                guard case .line(let line) = update, wanted.contains(line.resource),
                      line.sequence > shown[line.resource, default: 0] else { continue }
                shown[line.resource] = line.sequence
                Console.output(formatter.format(line))
            }
            Console.error("apphost: the run has ended")
        } catch let failure as DashboardClient.Failure {
            throw application.failure(failure)
        } catch {
            throw CommandFailure.runtimeFailure("error: the run's log stream broke: \(error)")
        }
    }
}
