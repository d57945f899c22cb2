import ArgumentParser
import Resources

/// `apphost env`: the environment each project receives, exactly as `apphost run` sets it.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Show the environment variables each project receives.",
        discussion: """
            For every project (or only RESOURCE): the variables apphost injects (<NAME>_URI and \
            ConnectionStrings__<name> for each SignalR reference, services__<name>__http__0 and \
            <NAME>_URL for each project reference, the project's own port) and its own 'env'.

            Ports not fixed in apphost.yaml are chosen afresh for each run; the ones shown are free now. \
            Not shown: the OTEL_* variables a run with a dashboard adds (unless a project says \
            telemetry: false), whose endpoint and key exist only while it runs; the dashboard's \
            Environment tab and `apphost mcp`'s get_environment show them.
            Access keys are masked unless --show-secrets. With --publish, the values each \
            container app receives once `apphost publish --bicep` and `azd up` deploy it, \
            as expressions over the deployment's outputs (https://{signalr.outputs.hostName}, \
            {api-identity.outputs.clientId}, …).
            """
    )

    /// The output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, dotenv, json
    }

    @Argument(help: "Only this project.")
    var resource: String?

    @OptionGroup var model: ModelOptions

    @Option(help: "table (for reading), dotenv (KEY=value lines) or json (for scripts).")
    var format: Format = .table

    @Flag(help: "Show the values a deployment receives instead of a local run's.")
    var publish = false

    @Flag(help: "Show access keys instead of masking them.")
    var showSecrets = false

    func run() throws {
        let (file, model) = try model.loadModel(readingEnvFiles: !publish)
        var projects = model.projects
        if let resource {
            guard let project = projects.first(where: { $0.name == resource }) else {
                throw CommandFailure.userError(unknownProjectMessage(resource, in: model))
            }
            projects = [project]
        }
        let values: any ConnectionValues
        if publish {
            values = PublishedValues(model: model)
        } else {
            var allocator = SystemPortAllocator()
            do {
                // The header secret is made for each run: this one shows its form, not a running run's.
                let identities = IdentityStore(stateFolder: file.stateFolder, projects: model.namesWithIdentity)
                values = try ResolvedApplication(model: model, allocator: &allocator, keys: AccessKeyStore(stateFolder: file.stateFolder),
                                                 identities: identities)
            } catch {
                throw CommandFailure.runtimeFailure("error: \(error)")
            }
        }
        let environments = projects.map { (project: $0.name, variables: values.environment(for: $0)) }
        let formatter = EnvironmentFormatter(showSecrets: showSecrets)
        let output: String
        switch format {
        case .table: output = formatter.table(environments)
        case .dotenv: output = formatter.dotenv(environments)
        case .json: output = formatter.json(environments)
        }
        if !output.isEmpty { Console.output(output) }
        if projects.isEmpty { Console.error("note: \(file.path) has no projects, so no variables are injected") }
        let floating = model.resources.filter { resource in
            switch resource {
            case .signalR(let signalR): signalR.emulator && (signalR.port ?? 0) == 0
            case .project(let project): project.port == 0
            }
        }
        if !publish, !floating.isEmpty, format == .table {
            Console.error("note: ports of \(floating.map { "'\($0.name)'" }.joined(separator: ", ")) are chosen afresh at each run (fix one with 'port:')")
        }
    }

    private func unknownProjectMessage(_ name: String, in model: ApplicationModel) -> String {
        let projects = model.projects.map(\.name)
        if model.resource(named: name) != nil {
            return "error: '\(name)' is a SignalR resource; `apphost env` shows what projects receive (projects: \(projects.joined(separator: ", ")))"
        }
        return "error: no project '\(name)' in \(model.file)\(Suggestion.didYouMean(name, in: projects))"
    }
}
