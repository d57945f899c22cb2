import Foundation

/// One resource as the dashboard shows it: what it is (from apphost.yaml) and where it is in
/// its life (from the supervisor). Values that are secrets arrive masked.
public struct DashboardResource: Sendable, Codable, Equatable {
    /// What kind of resource it is.
    public enum Kind: String, Sendable, Codable {
        /// A SignalR Service emulated on this machine; its hubs and connections can be inspected.
        case signalREmulator
        /// A SignalR Service in Azure: nothing runs here.
        case signalRCloud
        /// An app apphost runs.
        case project
    }

    /// A variable the resource's process receives.
    public struct Variable: Sendable, Codable, Equatable {
        /// The variable's name.
        public var name: String
        /// The value, with access keys masked.
        public var value: String

        /// A variable; `value` must already be masked.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The name in apphost.yaml.
    public var name: String
    /// What kind of resource it is.
    public var kind: Kind
    /// One line: "SignalR emulator (Serverless)", "project".
    public var summary: String
    /// Where it serves, if it has an endpoint.
    public var url: String?
    /// The command line it runs, if it runs one.
    public var command: String?
    /// The environment apphost gives it (projects), masked.
    public var environment: [Variable]
    /// The state's name: NotStarted, Waiting, Starting, Running, Unhealthy, Restarting, Exited,
    /// FailedToStart, Stopping, Stopped (or Azure for a resource in the cloud).
    public var state: String
    /// What the state says beyond its name: the reason, the exit status, the delay.
    public var stateDetail: String?
    /// The current (or last) process id.
    public var pid: Int32?
    /// When the current (or last) process started.
    public var startedAt: Date?
    /// How many times it has been started.
    public var starts: Int
    /// The managed identity a project signs in with and the SignalR roles it holds, one line
    /// each ("client id …, object id …", "SignalR App Server on signalr"); nil for none.
    public var identity: [String]?

    /// A resource that has not started yet.
    public init(name: String, kind: Kind, summary: String, url: String? = nil, command: String? = nil,
                environment: [Variable] = [], state: String = "NotStarted") {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.url = url
        self.command = command
        self.environment = environment
        self.state = state
        self.starts = 0
    }
}

/// A line a resource's process wrote.
public struct DashboardLogLine: Sendable, Codable, Equatable {
    /// The resource that wrote it.
    public var resource: String
    /// Its position in that resource's log, from 1: a reader that has line N asks for N+1 on.
    public var sequence: Int
    /// When apphost read it.
    public var time: Date
    /// Whether it came on stderr.
    public var isError: Bool
    /// Whether apphost wrote it (a start, an exit, a restart), not the process.
    public var isLifecycle: Bool
    /// The text, secrets masked, without its newline.
    public var text: String

    /// A line as ``DashboardState`` records it.
    public init(resource: String, sequence: Int, time: Date, isError: Bool, isLifecycle: Bool = false, text: String) {
        self.resource = resource
        self.sequence = sequence
        self.time = time
        self.isError = isError
        self.isLifecycle = isLifecycle
        self.text = text
    }
}
