import ArgumentParser
import Foundation
import Identity
import Logging
import Resources
import Supervisor

/// `apphost run`: the whole application on this machine, supervised until Ctrl-C.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start the SignalR emulators and the projects, and supervise them until Ctrl-C.",
        discussion: """
            Starts an `apphost emulator` for every emulated SignalR resource, then every project \
            in dependency order (a project with `waitFor` starts once those resources are \
            healthy), each with its variables injected (see `apphost env`). Every line the \
            processes print is shown as `name | line` (`name ! line` for stderr) and kept in \
            .apphost/logs/<name>.log; access keys are masked as ***.

            Projects are restarted by their `restart` policy (never | onFailure | always) with \
            a backoff from 1 s to 30 s; five failures within a minute stop a project as a crash \
            loop. Ctrl-C or SIGTERM stops the projects in reverse dependency order, then the \
            emulators: SIGTERM to each process group, SIGKILL after its `shutdownTimeout` \
            (default 10 s). A second Ctrl-C kills everything at once. Nothing outlives apphost, \
            even when apphost itself is killed.

            With --watch, a project is restarted when files in its workingDirectory change: \
            one restart per burst of saves (after 250 ms of quiet); hidden files and folders, \
            node_modules, __pycache__, bin, obj, logs, SQLite files and editors' backups do not \
            count. A project without a workingDirectory of its own is not watched.

            With RESOURCE names, only those start, with what they reference or wait for (as \
            `docker compose up NAME` does). `apphost run signalr` runs the emulator alone, for an \
            app you start from your IDE with the variables `apphost env` shows (give the \
            emulator a fixed `port` so they stay the same from run to run). What is not started \
            is not checked either.

            Before anything starts, fixed ports, working directories and commands are checked; \
            a problem is reported with its place in apphost.yaml and nothing is started.

            The dashboard (the link printed at start, on localhost only) shows every resource's \
            state, its log as it is written, its variables (keys masked) and, for each emulator, \
            the hubs, connections and messages, live; its buttons restart, stop and start one \
            resource while the rest runs.
            """
    )

    @Argument(help: "Only these resources, with what they reference or wait for (default: every one).")
    var resources: [String] = []

    @OptionGroup var model: ModelOptions

    @Flag(help: "No colours, even on a terminal (NO_COLOR=1 does the same).")
    var noColor = false

    @Flag(help: "Start every line with the time of day.")
    var timestamps = false

    @Option(help: "The dashboard's port: 18888 unless given (or a free one when 18888 is taken); 0 picks a free one.")
    var dashboardPort: Int?

    @Flag(help: "Do not serve the dashboard.")
    var noDashboard = false

    @Flag(help: "Restart a project when files in its workingDirectory change (caches, dependencies and hidden files aside).")
    var watch = false

    @Flag(name: [.customShort("d"), .long],
          help: "Go on in the background once everything is up (output in .apphost/logs/_apphost.log); `apphost down` stops it.")
    var detach = false

    func validate() throws {
        if let dashboardPort, !(0...65535).contains(dashboardPort) {
            throw ValidationError("--dashboard-port must be between 0 and 65535 (0 picks a free port), not \(dashboardPort)")
        }
    }

    func run() async throws {
        if detach {
            let code = try DetachedRun.start(executable: Self.executablePath, arguments: foregroundArguments,
                                             folder: FileManager.default.currentDirectoryPath)
            if code != 0 { throw ExitCode(code) }
            return
        }
        let (file, model) = try model.loadModel(readingEnvFiles: true)
        let selection = try select(in: model, file: file)
        let lock = try RunLock.acquire(in: file.stateFolder, for: file.path)
        defer { withExtendedLifetime(lock) {} }
        let emulators = model.signalRResources.filter { $0.emulator && (selection?.contains($0.name) ?? true) }
        var allocator = SystemPortAllocator(reservedFor: Set(emulators.map(\.name)))
        // The emulators' ports stay held until apphost exits.
        defer { allocator.reservations.forEach { $0.release() } }
        let application: ResolvedApplication
        do {
            let identities = IdentityStore(stateFolder: file.stateFolder, projects: model.namesWithIdentity)
            application = try ResolvedApplication(model: model, allocator: &allocator, keys: AccessKeyStore(stateFolder: file.stateFolder),
                                                  identities: identities)
        } catch {
            throw CommandFailure.runtimeFailure("error: \(error)")
        }
        var plan = ProcessPlan(file: file, application: application, executable: Self.executablePath,
                               baseEnvironment: ProcessInfo.processInfo.environment)
        plan.selection = selection
        if let tenant = application.tenantID { plan.tokenIssuer = TokenIssuer(tenantID: tenant) }
        // Telemetry goes to the dashboard: without one, nothing is received and nothing injected.
        let telemetry = noDashboard ? nil : try TelemetryLaunch()
        if !noDashboard { plan.introspectionToken = DashboardLaunch.randomToken() }
        plan.telemetry = telemetry?.export
        let problems = Preflight(plan: plan).problems()
        if !problems.isEmpty {
            Console.report(problems)
            throw CommandFailure.userError("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(file.path); nothing was started")
        }
        let specifications: [ProcessSpecification]
        do { specifications = try plan.specifications() } catch let failure as CommandFailure { throw failure } catch {
            throw CommandFailure.runtimeFailure("error: \(error)")
        }
        guard !specifications.isEmpty else {
            throw CommandFailure.userError("error: \(file.path) has nothing to run (no emulated SignalR resource and no project)")
        }
        let dashboard = try plan.introspectionToken.map { token throws(CommandFailure) in
            try DashboardLaunch(plan: plan, requestedPort: dashboardPort, introspectionToken: token, telemetry: telemetry)
        }
        try await supervise(specifications, plan: plan, dashboard: dashboard)
    }

    private func supervise(_ specifications: [ProcessSpecification], plan: ProcessPlan, dashboard: DashboardLaunch?) async throws {
        let environment = ProcessInfo.processInfo.environment
        let style = LogStyle(color: LogStyle.colorWanted(noColorFlag: noColor, environment: environment), timestamps: timestamps)
        // Logs hold whatever the apps print, so their folder is kept out of git like the keys.
        try? AccessKeyStore.prepareStateFolder(plan.file.stateFolder)
        let logFolder = plan.file.stateFolder.appendingPathComponent("logs").path
        var configuration = SupervisorConfiguration(style: style, logFolder: logFolder)
        configuration.secrets = plan.secrets
        configuration.adoptsOrphans = true
        configuration.reportsOutput = dashboard != nil
        let supervisor: Supervisor
        do { supervisor = try Supervisor(processes: specifications, configuration: configuration) } catch {
            throw CommandFailure.userError("error: \(error)")
        }
        let console = supervisor.console
        try? FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let detached = DetachedConsole(console: console, specifications: specifications, logFile: logFolder + "/_apphost.log")
        let signals = ShutdownSignals { signal in
            let name = signal == SIGINT ? "Ctrl-C" : signal == SIGTERM ? "SIGTERM" : "SIGHUP"
            console.announce("\(name): stopping everything (Ctrl-C again to kill at once)")
        }
        defer { signals.cancel() }
        let shownLogFolder = (plan.file.folder.path == FileManager.default.currentDirectoryPath) ? ".apphost/logs" : logFolder
        let summary = RunSummary(plan: plan, logFolder: shownLogFolder,
                                 stop: detached == nil ? "Ctrl-C stops everything" : "`apphost down` stops everything")
        console.announce("starting \(plan.application.model.name) from \(plan.file.path): \(specifications.map(\.name).joined(separator: ", "))")
        var companions = RunCompanions(console: console, summary: summary, dashboard: dashboard,
                                       projectWatch: watch ? ProjectWatch(plan: plan, console: console) : nil, detached: detached)
        var identityLogger = Logger(label: "apphost.identity")
        identityLogger.logLevel = .warning  // its start is announced on the console instead
        companions.tokenService = plan.tokenService(logger: identityLogger)
        let outcome: SupervisionOutcome
        do {
            outcome = try await companions.supervise(supervisor, shutdownRequests: signals.requests)
        } catch {
            throw CommandFailure.runtimeFailure("error: \(error)")
        }
        switch outcome {
        case .stoppedOnRequest:
            console.announce("everything stopped")
        case .allEnded(let allSucceeded):
            console.announce("every resource has ended")
            if !allSucceeded { throw ExitCode(2) }
        }
    }

    /// The resources named on the command line and what they need; nil when none are named.
    /// An unknown name is a user error, with the closest name.
    private func select(in model: ApplicationModel, file: ModelFile) throws(CommandFailure) -> Set<String>? {
        guard !resources.isEmpty else { return nil }
        let known = model.resources.map(\.name)
        for name in resources where !known.contains(name) {
            throw .unknownResource(name, in: file.path, known: known)
        }
        return model.resourcesNeeded(by: resources)
    }

    /// This command as given, without --detach: what the background run executes.
    private var foregroundArguments: [String] {
        var arguments = ["run"] + resources
        if let file = model.file { arguments += ["--file", file] }
        if noColor { arguments.append("--no-color") }
        if timestamps { arguments.append("--timestamps") }
        if let dashboardPort { arguments += ["--dashboard-port", String(dashboardPort)] }
        if noDashboard { arguments.append("--no-dashboard") }
        if watch { arguments.append("--watch") }
        return arguments
    }

    /// This program's own path, to start `apphost emulator` from the same build.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
