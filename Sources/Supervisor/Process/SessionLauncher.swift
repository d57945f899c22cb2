import CProcessSpawn
import Foundation

/// Starts a process that outlives the terminal it was started from: the leader of a new session
/// (no controlling terminal, so neither Ctrl-C nor a hang-up reaches it), stdin from /dev/null,
/// stdout and stderr into pipes, no other descriptor. `apphost run --detach` starts
/// the real run this way and reads what it says until it goes on in the background.
public enum SessionLauncher {
    /// A started process and the read ends of its output.
    public struct Started: Sendable {
        /// The process id (also its session and process group id).
        public let pid: pid_t
        /// Where its stdout arrives; the caller closes it.
        public let standardOutput: Int32
        /// Where its stderr arrives; the caller closes it.
        public let standardError: Int32
    }

    /// Starts `arguments` (the program at `path`) with exactly `environment`, in `directory`.
    public static func start(path: String, arguments: [String], environment: [String: String],
                             directory: String) throws(LaunchFailure) -> Started {
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(input) }
        guard let output = Pipe.make(), let errors = Pipe.make() else {
            throw LaunchFailure(description: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var pid: pid_t = 0
        let result = ProcessLauncher.withCStrings(arguments) { argv in
            ProcessLauncher.withCStrings(environment.map { "\($0.key)=\($0.value)" }) { envp in
                apphost_spawn_session(path, argv, envp, directory, input, output.write, errors.write, &pid)
            }
        }
        close(output.write)
        close(errors.write)
        guard result == 0 else {
            close(output.read)
            close(errors.read)
            throw LaunchFailure(description: "cannot start '\(path)': \(String(cString: strerror(result)))")
        }
        return Started(pid: pid, standardOutput: output.read, standardError: errors.read)
    }
}
