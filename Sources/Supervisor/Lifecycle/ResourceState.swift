/// Where a supervised process is in its life. Every process moves through these; the console
/// prints each change and the dashboard shows the current one.
public enum ResourceState: Sendable, Equatable, CustomStringConvertible {
    /// Not started yet.
    case notStarted
    /// Waiting for dependencies; the reason names them and what they lack.
    case waiting(String)
    /// Started; its health check has not passed yet.
    case starting
    /// Started and healthy.
    case running
    /// Running, but its health check keeps failing.
    case unhealthy(String)
    /// Exited; starts again after the delay.
    case restarting(after: Duration)
    /// Exited for good (its restart policy does not start it again).
    case exited(ExitStatus)
    /// Could not be started, or gave up after crashing again and again.
    case failedToStart(String)
    /// Asked to stop; waiting for its process group to exit.
    case stopping
    /// Stopped by the supervisor.
    case stopped

    /// Whether the process has been started (it may since have ended).
    var hasStarted: Bool {
        switch self {
        case .notStarted, .waiting, .failedToStart: false
        default: true
        }
    }

    /// Whether it waits out a delay before starting again.
    var isRestarting: Bool {
        if case .restarting = self { true } else { false }
    }

    /// Whether it is healthy now.
    public var isHealthy: Bool { self == .running }

    /// Whether the process is over and nothing will start it again.
    public var isFinal: Bool {
        switch self {
        case .exited, .failedToStart, .stopped: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .notStarted: "NotStarted"
        case .waiting(let reason): "Waiting (\(reason))"
        case .starting: "Starting"
        case .running: "Running"
        case .unhealthy(let reason): "Unhealthy (\(reason))"
        case .restarting(let delay): "Restarting in \(RestartTracker.describe(delay))"
        case .exited(let status): "Exited (\(status))"
        case .failedToStart(let reason): "FailedToStart (\(reason))"
        case .stopping: "Stopping"
        case .stopped: "Stopped"
        }
    }
}
