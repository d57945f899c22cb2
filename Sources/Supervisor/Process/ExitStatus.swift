#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a process ended.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    /// It called exit with this code.
    case exited(Int32)
    /// A signal ended it.
    case signalled(Int32)

    /// Decodes the status waitpid(2) reports.
    public init(waitStatus status: Int32) {
        // The macros WIFEXITED and friends are not visible from Swift: status & 0x7f is the signal.
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// Whether the process succeeded (exit code 0).
    public var isSuccess: Bool { self == .exited(0) }

    /// The code a shell would report: the exit code, or 128 plus the signal.
    public var shellCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signalled(let signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "code \(code)"
        case .signalled(let signal): "signal \(Self.signalName(signal))"
        }
    }

    /// SIGKILL, SIGTERM… for the signals people meet; the number for the others.
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
                                      SIGABRT: "SIGABRT", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE",
                                      SIGTERM: "SIGTERM", SIGBUS: "SIGBUS", SIGTRAP: "SIGTRAP"]
        return names[signal] ?? String(signal)
    }
}
