import ArgumentParser
import Foundation
import Resources

/// `apphost`: runs an application of SignalR resources and projects described in apphost.yaml.
@main
struct AppHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apphost",
        abstract: "Run real-time apps on Azure SignalR Service locally, as an Aspire AppHost would.",
        discussion: """
            apphost reads apphost.yaml: the SignalR resources of your application (emulated here, \
            or in Azure) and the projects that use them. It shows what each project receives \
            and checks the model before anything runs.

            Exit codes: 0 success, 1 a problem in the model or the command line, 2 a failure at run time.
            """,
        version: "0.9.0",
        subcommands: [InitCommand.self, RunCommand.self, PsCommand.self, LogsCommand.self, StartCommand.self, StopCommand.self, RestartCommand.self, DownCommand.self,
                      ValidateCommand.self, EnvCommand.self, PublishCommand.self, EmulatorCommand.self, MCPCommand.self]
    )

    /// Parses the command line and runs the command, mapping every failure to the exit codes
    /// of the contract: 1 for what the user can fix in the input, 2 for run-time failures.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            Console.error(failure.message)
            Foundation.exit(failure.exitCode)
        } catch let exitCode as ExitCode {
            Foundation.exit(exitCode.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Console.output(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { Console.error(message) }
            // Argument errors are user errors: exit 1, not the parser's 64.
            Foundation.exit(code == .validationFailure ? 1 : code.rawValue)
        }
    }
}

/// A failure the command already described, with the exit code it calls for.
struct CommandFailure: Error {
    /// What went wrong and what to do, for stderr.
    var message: String
    /// 1 for a user error, 2 for a run-time failure.
    var exitCode: Int32

    /// A problem in the model or the command line.
    static func userError(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 1) }
    /// A failure while running.
    static func runtimeFailure(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 2) }

    /// A resource name given on the command line that `file` does not have, with the closest one.
    static func unknownResource(_ name: String, in file: String, known: [String]) -> CommandFailure {
        .userError("error: \(file) has no resource '\(name)'\(Suggestion.didYouMean(name, in: known))\n    hint: its resources are \(known.joined(separator: ", "))")
    }
}
