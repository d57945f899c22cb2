import Access

/// An app that `apphost run` starts: any command, in any language.
public struct ProjectResource: Sendable {
    /// The resource's name.
    public var name: String
    /// Where the name is written.
    public var location: SourceLocation
    /// Where each of the project's keys has its value, for messages about them.
    public var keyLocations: [String: SourceLocation] = [:]

    /// The program and its arguments (`command` split like a shell, then `args`).
    public var command: [TemplateString] = []
    /// The folder to run in, relative to apphost.yaml's folder (nil: that folder).
    public var workingDirectory: String?
    /// Extra environment variables, in file order.
    public var environment: [EnvironmentEntry] = []
    /// `.env`-style files whose variables the project receives (`envFile`), relative to
    /// apphost.yaml's folder, in order: a later file wins over an earlier one.
    public var envFiles: [Located<String>] = []
    /// The variables of `envFiles`, once the command line has read them (this module does no
    /// I/O): the lowest layer of the project's environment, below what apphost injects and `env`.
    /// Only a local run reads them; a deployment gets its settings elsewhere.
    public var fileEnvironment: [(name: String, value: String)] = []
    /// The HTTP endpoint's port: nil for no endpoint, 0 for a free port, else that port.
    public var port: Int?
    /// The variable that carries the port (default `PORT`).
    public var portEnv = "PORT"
    /// The path answered with 2xx when the app is healthy.
    public var healthCheck: String?
    /// The resources whose connection details the project receives.
    public var references: [Reference] = []
    /// The resources that must be healthy before the project starts.
    public var waitFor: [Located<String>] = []
    /// When the project is started again after it exits.
    public var restart: RestartPolicy = .onFailure
    /// How long `apphost run` waits after SIGTERM before it sends SIGKILL (default 10 s).
    public var shutdownTimeout: Duration = .seconds(10)
    /// How the project becomes a container image when it is published.
    public var container: ContainerSource = .generated
    /// The fewest replicas of the published container app (default 1, so a worker without
    /// ingress keeps running and upstream calls meet no cold start).
    public var minReplicas = 1
    /// The most replicas of the published container app (default 10, Azure's own).
    public var maxReplicas = 10
    /// Whether `apphost run` gives the project the `OTEL_*` variables that send its traces,
    /// logs and metrics to the dashboard (default true; `telemetry: false` turns it off).
    public var telemetry = true

    /// Creates a project with the defaults of apphost.yaml.
    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// Where `key`'s value is written, else where the project is.
    public func location(of key: String) -> SourceLocation {
        keyLocations[key] ?? location
    }

    /// Whether the project has an HTTP endpoint.
    public var hasEndpoint: Bool { port != nil }
}

/// Where a published project's container image comes from.
public enum ContainerSource: Sendable, Equatable {
    /// A Dockerfile `apphost publish` writes from the project's command (Python or Node.js).
    case generated
    /// The user's Dockerfile (`dockerfile:`), relative to apphost.yaml's folder.
    case dockerfile(String)
    /// An image used as is (`image:`): nothing is built.
    case image(String)
}

/// A project's reference to another resource.
public struct Reference: Sendable {
    /// The referenced resource's name.
    public var resource: String
    /// An extra variable that also carries a SignalR connection string.
    public var connectionStringEnv: String?
    /// Where the reference is written.
    public var location: SourceLocation
    /// The roles the project holds on a SignalR resource, as written (nil: the defaults).
    public var roles: Located<[SignalRRole]>?

    /// Creates a reference.
    public init(resource: String, connectionStringEnv: String? = nil, location: SourceLocation) {
        self.resource = resource
        self.connectionStringEnv = connectionStringEnv
        self.location = location
    }
}

/// One entry of a project's `env:`.
public struct EnvironmentEntry: Sendable {
    /// The variable's name.
    public var name: String
    /// Its value; may hold `{name.url}` expressions.
    public var value: TemplateString
    /// Where the entry is written.
    public var location: SourceLocation
}

/// When a project is started again after it exits.
public enum RestartPolicy: String, Sendable, CaseIterable {
    /// Never.
    case never
    /// When it exits with a non-zero status or a signal.
    case onFailure
    /// Whenever it exits.
    case always
}
