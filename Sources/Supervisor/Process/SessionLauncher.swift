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
        let launched = try ProcessLauncher.launch(path: path, arguments: arguments, environment: environment.map { "\($0.key)=\($0.value)" },
                                                  directory: directory, newSession: true)
        return Started(pid: launched.pid, standardOutput: launched.standardOutput, standardError: launched.standardError)
    }
}
