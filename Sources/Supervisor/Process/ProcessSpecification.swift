/// One process the supervisor runs: what to start, how to tell it is healthy, when to start it
/// again, and how long it may take to stop.
public struct ProcessSpecification: Sendable {
    /// The name shown in every log line and state change; unique within a supervisor.
    public var name: String
    /// The program (a path, or a name looked up on the `PATH` of `environment`) and its arguments.
    public var command: [String]
    /// The complete environment of the process (nothing else is inherited).
    public var environment: [String: String]
    /// The folder to run in; nil for the supervisor's own.
    public var workingDirectory: String?
    /// When the process is started again after it exits.
    public var restart: RestartPolicy
    /// How the supervisor tells the process is ready and stays healthy.
    public var healthCheck: HealthCheck
    /// What must have happened to other processes before this one starts.
    public var dependencies: [Dependency]
    /// How long the process group may take to exit after SIGTERM before it gets SIGKILL.
    public var shutdownTimeout: Duration

    /// Creates a specification; by default restarted on failure, ready once started, with
    /// 10 seconds to stop.
    public init(name: String, command: [String], environment: [String: String], workingDirectory: String? = nil,
                restart: RestartPolicy = .onFailure, healthCheck: HealthCheck = .processStarted,
                dependencies: [Dependency] = [], shutdownTimeout: Duration = .seconds(10)) {
        self.name = name
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.restart = restart
        self.healthCheck = healthCheck
        self.dependencies = dependencies
        self.shutdownTimeout = shutdownTimeout
    }
}

/// A process another one waits for before it starts.
public struct Dependency: Sendable, Hashable {
    /// What the dependency must have reached.
    public enum Condition: Sendable, Hashable {
        /// Started (spawned), whether or not it is healthy yet: the order of references.
        case started
        /// Healthy: its health check passed (`waitFor`).
        case healthy
    }

    /// The other process's name.
    public var name: String
    /// What it must have reached.
    public var condition: Condition

    /// Creates a dependency.
    public init(_ name: String, condition: Condition) {
        self.name = name
        self.condition = condition
    }
}

/// When a process is started again after it exits.
public enum RestartPolicy: String, Sendable, CaseIterable {
    /// Never: it stays exited.
    case never
    /// When it exits with a non-zero status or is killed by a signal.
    case onFailure
    /// Whenever it exits, and when its health check keeps failing.
    case always
}
