import ArgumentParser
import Dashboard
import Supervisor

/// What `apphost start`, `stop` and `restart` share: which resources, of which run.
struct ResourceActionOptions: ParsableArguments {
    @Argument(help: "The resources, by their names in apphost.yaml (default: every one it applies to).")
    var resources: [String] = []

    @OptionGroup var model: ModelOptions

    /// Asks the running apphost to carry out `action` on each resource in turn, after checking
    /// every name, so a misspelt one changes nothing. A refusal is reported and the rest still
    /// done; it makes the exit code 2. Without names, as `docker compose`: every resource the
    /// action applies to (start: those not running; stop: those running; restart: all that run here).
    func perform(_ action: ResourceAction, done: String) async throws {
        let application = try RunningApplication.find(model)
        let known = try await application.resources()
        var names = resources.isEmpty
            ? known.filter { Self.applies(action, to: $0) }.map(\.name)
            : try application.select(resources, from: known)
        // What uses a resource stops before it, as at shutdown (file order is dependency order).
        if action == .stop && resources.isEmpty { names.reverse() }
        if names.isEmpty { Console.error("nothing to \(action.rawValue)") }
        var refused = 0
        for name in names {
            do {
                try await application.client.perform(action.rawValue, on: name)
                Console.error("\(name): \(done)")
            } catch {
                refused += 1
                Console.error(application.failure(error).message)
            }
        }
        if refused > 0 { throw ExitCode(2) }
    }

    /// Whether `action` makes sense for `resource` as it is now.
    static func applies(_ action: ResourceAction, to resource: DashboardResource) -> Bool {
        guard resource.kind != .signalRCloud else { return false }
        let ended = ["Exited", "Stopped", "FailedToStart"].contains(resource.state)
        switch action {
        case .start: return ended
        case .stop: return !ended && resource.state != "Stopping" && resource.state != "NotStarted"
        case .restart: return true
        }
    }
}

/// `apphost restart`: stop a resource of the running application and start it again at once.
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart resources of a running `apphost run`, leaving the rest running.",
        discussion: """
            Each resource is stopped as at shutdown (SIGTERM, SIGKILL after its \
            shutdownTimeout) and started again at once; a restart asked for is not counted as \
            a failure, and a resource that gave up after a crash loop starts again. Returns \
            once the old process has exited; `apphost ps` shows the new one. The dashboard's \
            Restart button does the same. Without names, every resource that runs here.

            Exit codes: 0 done, 1 an unknown resource (nothing is done), 2 no run of this \
            apphost.yaml is going, or apphost refused one of them (the reason is printed).
            """
    )

    @OptionGroup var options: ResourceActionOptions

    func run() async throws {
        try await options.perform(.restart, done: "restarted")
    }
}

/// `apphost stop`: stop a resource of the running application; it stays stopped until started.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop resources of a running `apphost run`, leaving the rest running.",
        discussion: """
            Each resource is stopped as at shutdown (SIGTERM to its process group, SIGKILL \
            after its shutdownTimeout) and is not restarted, whatever its restart policy, until \
            `apphost start` (or the dashboard) starts it. Returns once each has stopped. \
            `apphost run` keeps going; Ctrl-C there (or `apphost down`) ends it. Without names, \
            every running resource, dependents first.

            Exit codes: 0 done, 1 an unknown resource (nothing is done), 2 no run of this \
            apphost.yaml is going, or apphost refused one of them (one not running, say).
            """
    )

    @OptionGroup var options: ResourceActionOptions

    func run() async throws {
        try await options.perform(.stop, done: "stopped")
    }
}

/// `apphost start`: start a resource of the running application that was stopped or has ended.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start resources of a running `apphost run` that were stopped or have ended.",
        discussion: """
            Starts again a resource that `apphost stop` or the dashboard stopped, that exited \
            and is not restarted by its policy, or that gave up after a crash loop (once it is \
            fixed). It gets the same variables as before. Without names, every resource that \
            is not running.

            Exit codes: 0 done, 1 an unknown resource (nothing is done), 2 no run of this \
            apphost.yaml is going, or apphost refused one of them (one already running, say).
            """
    )

    @OptionGroup var options: ResourceActionOptions

    func run() async throws {
        try await options.perform(.start, done: "started")
    }
}
