import ArgumentParser
import Dashboard
import Foundation

/// `apphost ps`: the resources of a running `apphost run`, as `docker compose ps` lists services.
struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List the resources of a running `apphost run` with their state.",
        discussion: """
            Asks the `apphost run` of this apphost.yaml (started in another terminal) for each \
            resource's state and the reason for it, its process id, how long it has run, how \
            many times it was started, and its URL. The run is found through the dashboard's \
            address in .apphost/run/, so a run with --no-dashboard cannot be asked.

            Exit codes: 0 listed, 2 no run of this apphost.yaml is going.
            """
    )

    /// The output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @OptionGroup var model: ModelOptions

    @Option(help: "table (for reading) or json (every field, for scripts).")
    var format: Format = .table

    func run() async throws {
        let application = try RunningApplication.find(model)
        let resources = try await application.resources()
        switch format {
        case .table:
            Console.output(ResourceTable(resources: resources).text)
        case .json:
            Console.output(try JSONText.encode(resources))
        }
    }
}
