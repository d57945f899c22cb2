/// Where a run's projects send their OpenTelemetry data: the OTLP/HTTP endpoint `apphost run`
/// listens on and the key it asks for.
public struct TelemetryExport: Sendable, Equatable {
    /// `http://localhost:PORT`, the base the SDKs append `/v1/traces` and the like to.
    public var endpoint: String
    /// The value of the `x-otlp-api-key` header.
    public var apiKey: String
    /// Appended to each project's name to make its `service.instance.id` unique to this run.
    public var instanceSuffix: String

    public init(endpoint: String, apiKey: String, instanceSuffix: String) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.instanceSuffix = instanceSuffix
    }

    /// The variables Aspire gives a project so that any OpenTelemetry SDK, with its defaults,
    /// exports to the dashboard: the endpoint, protocol and key header, the service name and
    /// instance, and the short intervals of development (1 s) with every trace sampled. None
    /// for a project with `telemetry: false`.
    public func variables(for project: ProjectResource) -> [EnvironmentVariable] {
        project.telemetry ? variables(serviceName: project.name) : []
    }

    /// What a project receives in all: these variables, then `given` (what apphost.yaml gives
    /// it), so that the project's own `env:` can override an `OTEL_*` value, as in Aspire.
    public func merged(into given: [EnvironmentVariable], for project: ProjectResource) -> [EnvironmentVariable] {
        let names = Set(given.map(\.name))
        return variables(for: project).filter { !names.contains($0.name) } + given
    }

    /// The same variables for a process called `serviceName` (an emulator, for its own spans).
    public func variables(serviceName: String) -> [EnvironmentVariable] {
        [
            EnvironmentVariable(name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: endpoint),
            EnvironmentVariable(name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "http/protobuf"),
            EnvironmentVariable(name: "OTEL_EXPORTER_OTLP_HEADERS", value: "x-otlp-api-key=\(apiKey)", secrets: [apiKey]),
            EnvironmentVariable(name: "OTEL_SERVICE_NAME", value: serviceName),
            EnvironmentVariable(name: "OTEL_RESOURCE_ATTRIBUTES", value: "service.instance.id=\(serviceName)-\(instanceSuffix)"),
            EnvironmentVariable(name: "OTEL_BSP_SCHEDULE_DELAY", value: "1000"),
            EnvironmentVariable(name: "OTEL_BLRP_SCHEDULE_DELAY", value: "1000"),
            EnvironmentVariable(name: "OTEL_METRIC_EXPORT_INTERVAL", value: "1000"),
            EnvironmentVariable(name: "OTEL_TRACES_SAMPLER", value: "always_on"),
        ]
    }
}
