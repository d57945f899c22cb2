import Foundation
import Supervisor
import Synchronization

/// `apphost run --detach`, as `docker compose up -d`: the run goes on in the background, in a
/// session of its own, and the command returns once everything is up (or something has failed
/// for good), having shown what the run printed until then.
///
/// The starter spawns the real run (the same command without --detach, marked by
/// ``variable``) with its output in a pipe and copies that pipe to the terminal. The run copies
/// every line to `.apphost/logs/apphost.log` too; when it is up, it announces it is going on in
/// the background and points its stdout and stderr at that file, which closes the pipe. Seeing
/// the end of the pipe after that announcement, the starter returns; without it, the run has
/// failed and the starter reports how it ended.
enum DetachedRun {
    /// Set in the environment of the run that the starter spawns.
    static let variable = "APPHOST_DETACHED"

    /// The words that open the run's last line to the starter; the pid follows.
    static let announcement = "running in the background (pid "

    /// Starts `arguments` (an `apphost run` without --detach) in the background and copies its
    /// output until it is up; returns the exit code for the starter.
    static func start(executable: String, arguments: [String], folder: String) throws(CommandFailure) -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        environment[variable] = "1"
        let started: SessionLauncher.Started
        do {
            started = try SessionLauncher.start(path: executable, arguments: [executable] + arguments,
                                                environment: environment, directory: folder)
        } catch {
            throw .runtimeFailure("error: cannot start apphost in the background: \(error)")
        }
        let lastLine = copyToTerminal(output: started.standardOutput, errors: started.standardError)
        if let lastLine, lastLine.contains(announcement + "\(started.pid))") {
            return lastLine.contains("; not up: ") ? 2 : 0
        }
        // The pipe ended without the announcement: the run has ended, or is ending.
        var status: Int32 = 0
        while waitpid(started.pid, &status, 0) < 0, errno == EINTR {}
        return ExitStatus(waitStatus: status).shellCode
    }

    /// Copies the run's stdout to stdout and its stderr to stderr until both end (and closes
    /// them); returns the last line of its stdout.
    private static func copyToTerminal(output: Int32, errors: Int32) -> String? {
        var streams = [pollfd(fd: output, events: Int16(POLLIN), revents: 0), pollfd(fd: errors, events: Int16(POLLIN), revents: 0)]
        let targets = [STDOUT_FILENO, STDERR_FILENO]
        var tail: [UInt8] = []
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64 << 10) { buffer in
            while streams.contains(where: { $0.fd >= 0 }) {
                if poll(&streams, nfds_t(streams.count), -1) < 0 {
                    if errno == EINTR { continue }
                    break
                }
                for index in streams.indices where streams[index].fd >= 0 && streams[index].revents != 0 {
                    let count = read(streams[index].fd, buffer.baseAddress, buffer.count)
                    if count < 0, errno == EINTR || errno == EAGAIN { continue }
                    guard count > 0 else {
                        close(streams[index].fd)
                        // poll skips negative descriptors.
                        streams[index].fd = -1
                        continue
                    }
                    var offset = 0
                    while offset < count {
                        let written = write(targets[index], buffer.baseAddress! + offset, count - offset)
                        guard written > 0 else { break }
                        offset += written
                    }
                    guard index == 0 else { continue }
                    tail += buffer[..<count]
                    // Only the last line matters; keep a little more than one.
                    if tail.count > 8192 { tail.removeFirst(tail.count - 8192) }
                }
            }
        }
        return String(decoding: tail, as: UTF8.self).split(separator: "\n").last.map(String.init)
    }
}

/// The run's side of --detach: when to let the starter go, and how.
final class DetachedConsole: Sendable {
    private let console: LogMultiplexer
    private let neverRestarted: Set<String>
    private let done = Mutex(false)

    /// For a run spawned by the starter: copies every line of `console` into `logFile` from now
    /// on. Nil for a run in the foreground.
    init?(console: LogMultiplexer, specifications: [ProcessSpecification], logFile: String,
          environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment[DetachedRun.variable] == "1" else { return nil }
        console.copy(toLogAt: logFile)
        self.console = console
        neverRestarted = Set(specifications.filter { $0.restart == .never }.map(\.name))
    }

    /// Lets the starter go once everything is up, or once something has failed for good (a
    /// crash loop, a command that cannot start, an exit that is never restarted): the run goes
    /// on either way, and `apphost ps` and `apphost logs` show it.
    func observe(_ event: SupervisorEvent) {
        switch event {
        case .ready:
            detach(failure: nil)
        case .stateChanged(let name, let state):
            switch state {
            case .failedToStart:
                detach(failure: "\(name) \(state)")
            case .exited(let status) where neverRestarted.contains(name) && status != .exited(0):
                detach(failure: "\(name) \(state)")
            default:
                break
            }
        case .launched, .output:
            break
        }
    }

    private func detach(failure: String?) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let notUp = failure.map { "; not up: \($0)" } ?? ""
        console.announce("\(DetachedRun.announcement)\(getpid()))\(notUp): apphost logs --follow · apphost ps · apphost down")
        console.detach()
    }
}
