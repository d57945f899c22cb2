import ArgumentParser
import Foundation

/// `apphost down`: stop a running `apphost run` from another terminal, as `docker compose down`.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the running `apphost run` of this apphost.yaml, as Ctrl-C in its terminal would.",
        discussion: """
            Sends SIGTERM to the `apphost run` of this apphost.yaml (started in another terminal \
            or in the background), which stops every resource in reverse dependency order, and \
            returns once that run has ended. A second `apphost down` while the first waits makes \
            the run kill everything at once, as a second Ctrl-C does. Works with --no-dashboard \
            too: the run is found by its lock, .apphost/run.lock.

            Exit codes: 0 stopped, or nothing was running; 2 the run could not be signalled.
            """
    )

    @OptionGroup var model: ModelOptions

    func run() async throws {
        let file = try model.locate()
        guard let holder = RunLock.holder(in: file.stateFolder) else {
            Console.error("apphost is not running \(file.path); nothing to stop")
            return
        }
        guard let pid = holder.pid else {
            throw CommandFailure.runtimeFailure("error: a run of \(file.path) is starting but has not said its pid yet; try again")
        }
        guard kill(pid, SIGTERM) == 0 else {
            throw CommandFailure.runtimeFailure("error: cannot signal the run of \(file.path) (pid \(pid)): \(String(cString: strerror(errno)))")
        }
        Console.error("stopping the run of \(file.path) (pid \(pid))…")
        await holder.waitUntilEnded()
        Console.error("stopped")
    }
}
