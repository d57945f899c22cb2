/// How the supervisor tells that a process is ready, and later that it is still healthy.
public enum HealthCheck: Sendable, Hashable, CustomStringConvertible {
    /// An HTTP GET of `path` on `localhost:port` answers 2xx.
    case http(port: Int, path: String)
    /// `localhost:port` accepts TCP connections.
    case tcp(port: Int)
    /// The process has started; nothing more is checked.
    case processStarted

    public var description: String {
        switch self {
        case .http(let port, let path): "GET http://localhost:\(port)\(path)"
        case .tcp(let port): "a connection to port \(port)"
        case .processStarted: "the process started"
        }
    }
}

/// How often health checks run and how many failures make a process unhealthy.
public struct HealthSchedule: Sendable {
    /// The first wait between checks while a process starts; it grows by half each time.
    public var startingInterval: Duration = .milliseconds(20)
    /// The longest wait between checks while a process starts.
    public var startingIntervalLimit: Duration = .seconds(1)
    /// The wait between checks once a process is running.
    public var runningInterval: Duration = .seconds(5)
    /// Consecutive failed checks of a running process that make it Unhealthy.
    public var failureThreshold = 3
    /// How long one check may take.
    public var timeout: Duration = .seconds(2)

    /// The usual schedule: checks every 20 ms growing to 1 s while starting, every 5 s after.
    public init() {}
}
