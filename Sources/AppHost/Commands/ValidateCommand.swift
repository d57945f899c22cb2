import ArgumentParser
import Resources

/// `apphost validate`: checks apphost.yaml and reports every problem with its location.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check apphost.yaml and report every problem with its file, line and column.",
        discussion: """
            Prints `ok: …` and exits 0 when the model is usable (warnings may still be printed \
            on stderr); otherwise prints each problem as FILE:LINE:COLUMN: error: MESSAGE and exits 1.
            Nothing is started.
            """
    )

    @OptionGroup var model: ModelOptions

    func run() throws {
        let (_, model) = try model.loadModel(readingEnvFiles: true)
        let count = model.resources.count
        Console.output("ok: \(count) resource\(count == 1 ? "" : "s") (\(Self.summary(of: model)))")
    }

    /// Each resource in a few words: "signalr: SignalR Serverless, emulated; api: project".
    static func summary(of model: ApplicationModel) -> String {
        model.resources.map { resource -> String in
            switch resource {
            case .signalR(let signalR):
                let placement = signalR.emulator ? "emulated" : "in Azure"
                return "\(signalR.name): SignalR \(signalR.mode.rawValue), \(placement)"
            case .project(let project):
                return "\(project.name): project"
            }
        }.joined(separator: "; ")
    }
}
