import CProcessSpawn
import Foundation

/// A started process: the leader of its own process group, with pipes for its output.
struct LaunchedProcess: Sendable {
    /// The process id, which is also its process group id.
    let pid: pid_t
    /// The read end of its stdout.
    let standardOutput: Int32
    /// The read end of its stderr.
    let standardError: Int32
}

/// Why a process could not be started.
public struct LaunchFailure: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for a `FailedToStart` state.
    public let description: String
}

/// Starts processes with posix_spawn: a process group each (so a signal reaches everything the
/// process starts), stdin from /dev/null, stdout and stderr into pipes, no other descriptor.
enum ProcessLauncher {
    /// Starts `specification`'s command.
    static func launch(_ specification: ProcessSpecification) throws(LaunchFailure) -> LaunchedProcess {
        guard let program = specification.command.first else { throw LaunchFailure(description: "the command is empty") }
        if let directory = specification.workingDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw LaunchFailure(description: "the working directory '\(directory)' does not exist")
            }
        }
        let path: String
        do {
            path = try ExecutableLocator(path: specification.environment["PATH"]).locate(program, in: specification.workingDirectory)
        } catch {
            throw LaunchFailure(description: error.description)
        }
        let environment = specification.environment.map { "\($0.key)=\($0.value)" }
        return try launch(path: path, arguments: specification.command, environment: environment,
                          directory: specification.workingDirectory)
    }

    /// Starts the program at `path`: the leader of a new process group, or with `newSession`
    /// of a new session (no controlling terminal).
    static func launch(path: String, arguments: [String], environment: [String], directory: String?,
                       standardInput: Int32? = nil, newSession: Bool = false) throws(LaunchFailure) -> LaunchedProcess {
        let input = standardInput ?? open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if standardInput == nil { close(input) } }
        guard let output = Pipe.make(), let errors = Pipe.make() else {
            throw LaunchFailure(description: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var pid: pid_t = 0
        let result = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                newSession
                    ? apphost_spawn_session(path, argv, envp, directory, input, output.write, errors.write, &pid)
                    : apphost_spawn(path, argv, envp, directory, input, output.write, errors.write, &pid)
            }
        }
        close(output.write)
        close(errors.write)
        guard result == 0 else {
            close(output.read)
            close(errors.read)
            throw LaunchFailure(description: "cannot start '\(path)': \(String(cString: strerror(result)))")
        }
        return LaunchedProcess(pid: pid, standardOutput: output.read, standardError: errors.read)
    }

    /// Calls `body` with a NULL-terminated C array of `strings`.
    private static func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// A pipe whose both ends close on exec: only the descriptors dup2'd into a child reach it.
struct Pipe {
    /// The end the supervisor reads.
    let read: Int32
    /// The end the child writes.
    let write: Int32

    /// A new pipe, or nil when the process is out of descriptors.
    static func make() -> Pipe? {
        var descriptors: [Int32] = [-1, -1]
        guard apphost_pipe_cloexec(&descriptors) == 0 else { return nil }
        return Pipe(read: descriptors[0], write: descriptors[1])
    }
}

/// Signals to a whole process group and waiting for a process's end.
enum ProcessControl {
    /// Sends `signal` to every process of the group led by `pid`.
    static func signalGroup(_ pid: pid_t, _ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// Waits (on a thread of its own) until `pid` ends, and reaps it.
    static func waitForExit(_ pid: pid_t) async -> ExitStatus {
        await DedicatedThread.run(named: "wait \(pid)") {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR { return .exited(-1) }
            }
            return ExitStatus(waitStatus: status)
        }
    }
}
