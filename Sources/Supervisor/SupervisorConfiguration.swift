/// How a ``Supervisor`` presents logs, keeps files and times restarts and health checks.
public struct SupervisorConfiguration: Sendable {
    /// The look of the multiplexed log.
    public var style: LogStyle
    /// Where the multiplexed log goes (stdout by default).
    public var outputDescriptor: Int32 = 1
    /// The folder of per-process log files (`<name>.log`); nil for none.
    public var logFolder: String?
    /// The size at which a log file is rotated.
    public var logFileLimit = 10 << 20
    /// The longest line shown whole; longer ones are cut into pieces of this size.
    public var maximumLineLength = 16 << 10
    /// Strings masked as `***` wherever a process prints them (access keys).
    public var secrets: [String] = []
    /// Restart timing.
    public var restartBackoff = RestartBackoff()
    /// Health check timing.
    public var healthSchedule = HealthSchedule()
    /// Whether the supervisor's process becomes a child subreaper, so that a daemon whose parent
    /// exits stays in its tree and is stopped with the rest. Turn it on only in a process whose
    /// every child is supervised (as `apphost run`'s are): any other child would count as an
    /// orphan, and be reaped and stopped.
    public var adoptsOrphans = false
    /// Whether every line the processes write is also reported as a ``SupervisorEvent/output(_:text:isError:)``
    /// event (for a dashboard); off, the lines only go to the terminal and the log files.
    public var reportsOutput = false

    /// A configuration with the usual limits.
    public init(style: LogStyle, logFolder: String? = nil) {
        self.style = style
        self.logFolder = logFolder
    }
}

/// A request to end supervision, from a signal or a caller.
public enum ShutdownRequest: Sendable {
    /// Stop everything in reverse dependency order, each with its shutdown timeout.
    case graceful
    /// Kill every process group now.
    case immediate
}

/// How supervision ended.
public enum SupervisionOutcome: Sendable, Equatable {
    /// A shutdown was requested and everything stopped.
    case stoppedOnRequest
    /// Every process ended for good without a request; `allSucceeded` when all exited with 0.
    case allEnded(allSucceeded: Bool)
}

/// What a supervisor reports once every process is running (or done).
public struct ReadinessReport: Sendable {
    /// Each process, in the order given, with its state and when it became healthy.
    public var processes: [(name: String, state: ResourceState, readyAfter: Duration?)]
    /// Since the supervisor started.
    public var elapsed: Duration
}

/// What a supervisor tells its caller while it runs.
public enum SupervisorEvent: Sendable {
    /// A process moved to a new state.
    case stateChanged(String, ResourceState)
    /// Every process is running (or has exited successfully), for the first time.
    case ready(ReadinessReport)
    /// A process was started (or started again) with this pid.
    case launched(String, pid: Int32)
    /// Lines a process wrote, in order, secrets masked: those one read of its output held (a
    /// batch costs its consumer one step, not one a line); only with
    /// ``SupervisorConfiguration/reportsOutput``.
    case output(String, lines: [String], isError: Bool)
}

/// A specification the supervisor cannot run.
public struct SupervisorError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// What every controller of one supervisor shares.
struct SupervisionEnvironment: Sendable {
    let board: StateBoard
    let console: LogMultiplexer
    let processTree: ProcessTreeWatch
    let probe: HealthProbe
    let configuration: SupervisorConfiguration
    let startTime: ContinuousClock.Instant
}
