import Access
import Foundation
import Identity
import Logging
import Resources
import Supervisor

/// The processes of one `apphost run`: an `apphost emulator` per emulated SignalR resource and
/// each project, with their commands, environments, health checks and start order.
struct ProcessPlan {
    /// The model file (its folder anchors working directories and `.apphost/`).
    let file: ModelFile
    /// The model with this run's ports and keys.
    let application: ResolvedApplication
    /// This executable, started again as `apphost emulator`.
    let executable: String
    /// The environment apphost runs in; every child inherits it.
    let baseEnvironment: [String: String]
    /// The token the emulators' introspection (`/_apphost/…`) answers to, for the dashboard;
    /// nil leaves introspection off.
    var introspectionToken: String?
    /// The resources this run starts (`apphost run NAME…`: those and what they need); nil for all.
    var selection: Set<String>?
    /// The local Microsoft Entra ID whose tokens the emulators accept, when some project has a
    /// managed identity; nil when none has.
    var tokenIssuer: TokenIssuer?
    /// Where projects send their OpenTelemetry data (the dashboard's OTLP endpoint); nil
    /// without a dashboard, when nothing is injected.
    var telemetry: TelemetryExport?

    /// Whether this run starts `name`.
    func runs(_ name: String) -> Bool {
        selection?.contains(name) ?? true
    }

    /// The variable that hands an emulator its access key (not the command line, which other
    /// users of the machine can read in `ps`).
    static let accessKeyVariable = "APPHOST_EMULATOR_ACCESS_KEY"
    /// The variable that hands an emulator its introspection token, for the same reason.
    static let introspectionTokenVariable = "APPHOST_EMULATOR_INTROSPECTION_TOKEN"

    /// Every process to supervise, in file order. Writes each emulator's upstream settings to
    /// `.apphost/run/<name>.upstream.json`.
    func specifications() throws -> [ProcessSpecification] {
        let supervised = Set(application.model.resources.compactMap { resource -> String? in
            if case .signalR(let signalR) = resource, !signalR.emulator { return nil }
            return runs(resource.name) ? resource.name : nil
        })
        return try application.model.resources.filter { runs($0.name) }.compactMap { resource -> ProcessSpecification? in
            switch resource {
            case .signalR(let signalR):
                return signalR.emulator ? try emulator(signalR) : nil
            case .project(let project):
                return self.project(project, supervised: supervised)
            }
        }
    }

    /// The strings to mask in every log line: the access keys and identity headers of this run.
    var secrets: [String] {
        Array(application.accessKeys.values) + application.model.signalRResources.compactMap(\.accessKey)
            + application.identities.values.map(\.header) + (telemetry.map { [$0.apiKey] } ?? [])
    }

    /// The token service of this run's managed identities; nil when no project has one.
    func tokenService(logger: Logger) -> ManagedIdentityServer? {
        guard let tokenIssuer, let port = application.identityPort else { return nil }
        let identities = application.identities.map { name, values in
            LocalIdentity(project: name, clientID: values.clientID, objectID: values.objectID, header: values.header)
        }
        return ManagedIdentityServer(issuer: tokenIssuer, identities: identities.sorted { $0.project < $1.project },
                                     resources: application.model.tokenResources, port: port, logger: logger)
    }

    /// The emulator's trust in the local Entra ID and the roles of each project that references
    /// it with an identity; `--disable-local-auth` when its apps must sign in with Entra ID.
    func entraArguments(for resource: SignalRResource) -> [String] {
        guard let tokenIssuer else { return [] }
        var arguments = ["--entra-public-key", tokenIssuer.publicKey, "--entra-issuer", tokenIssuer.issuer]
        for (project, roles) in application.model.roleHolders(of: resource) {
            guard let identity = application.identities[project.name] else { continue }
            arguments += ["--role-assignment", RoleAssignment(principalID: identity.objectID, roles: roles).argument]
        }
        if resource.usesLocalEntraID { arguments.append("--disable-local-auth") }
        return arguments
    }

    /// The folder a project runs in.
    func workingDirectory(of project: ProjectResource) -> String {
        guard let directory = project.workingDirectory else { return file.folder.path }
        if directory.hasPrefix("/") { return directory }
        return file.folder.appendingPathComponent(directory).standardizedFileURL.path
    }

    /// The complete environment of a project: apphost's own, then what apphost.yaml gives it.
    func environment(of project: ProjectResource) -> [String: String] {
        var environment = baseEnvironment
        for variable in variables(of: project) { environment[variable.name] = variable.value }
        return environment
    }

    /// What apphost gives a project: the telemetry variables, then what apphost.yaml gives it
    /// (so a project's own `env:` can override an `OTEL_*` value, as in Aspire).
    func variables(of project: ProjectResource) -> [EnvironmentVariable] {
        let given = application.environment(for: project)
        return telemetry?.merged(into: given, for: project) ?? given
    }

    private func emulator(_ resource: SignalRResource) throws -> ProcessSpecification {
        let port = application.ports[resource.name] ?? 0
        var command = [executable, "emulator", "--port", String(port), "--mode", resource.mode == .serverless ? "Serverless" : "Default"]
        if !resource.upstream.isEmpty {
            command += ["--upstream-config", try writeUpstreamSettings(resource)]
        }
        command += entraArguments(for: resource)
        var environment = baseEnvironment
        environment[Self.accessKeyVariable] = application.accessKeys[resource.name]
        if let identity = application.identities[resource.name], let endpoint = application.identityEndpoint {
            // The service's own identity, for upstreams with auth: ManagedIdentity.
            environment["IDENTITY_ENDPOINT"] = endpoint
            environment["IDENTITY_HEADER"] = identity.header
        }
        environment[Self.introspectionTokenVariable] = introspectionToken
        // The emulator's own spans (negotiate, connect, invocations, upstream calls, sends) go
        // to the dashboard beside the projects'.
        for variable in telemetry?.variables(serviceName: resource.name) ?? [] { environment[variable.name] = variable.value }
        return ProcessSpecification(name: resource.name, command: command, environment: environment,
                                    workingDirectory: file.folder.path, restart: .onFailure,
                                    healthCheck: .http(port: port, path: "/api/health"),
                                    shutdownTimeout: resource.shutdownTimeout)
    }

    private func project(_ project: ProjectResource, supervised: Set<String>) -> ProcessSpecification {
        var dependencies: [String: Dependency.Condition] = [:]
        for reference in project.references where supervised.contains(reference.resource) {
            dependencies[reference.resource] = .started
        }
        for name in project.waitFor.map(\.value) where supervised.contains(name) {
            dependencies[name] = .healthy
        }
        let port = application.ports[project.name]
        let healthCheck: HealthCheck = switch (port, project.healthCheck) {
        case (let port?, let path?): .http(port: port, path: path)
        case (let port?, nil): .tcp(port: port)
        default: .processStarted
        }
        let order = application.model.resources.map(\.name)
        return ProcessSpecification(
            name: project.name,
            command: project.command.map { application.render($0).value },
            environment: environment(of: project),
            workingDirectory: workingDirectory(of: project),
            restart: RestartPolicy(rawValue: project.restart.rawValue) ?? .onFailure,
            healthCheck: healthCheck,
            dependencies: dependencies.sorted { order.firstIndex(of: $0.key) ?? 0 < order.firstIndex(of: $1.key) ?? 0 }
                .map { Dependency($0.key, condition: $0.value) },
            shutdownTimeout: project.shutdownTimeout)
    }

    /// Writes the emulator's upstream templates, expressions resolved, as the JSON list
    /// `apphost emulator --upstream-config` reads; returns the file's path.
    private func writeUpstreamSettings(_ resource: SignalRResource) throws -> String {
        let folder = file.stateFolder.appendingPathComponent("run", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let entries = resource.upstream.map { template in
            var entry: [String: Any] = ["urlTemplate": application.render(template.urlTemplate).value, "hubPattern": template.hubPattern,
                                        "eventPattern": template.eventPattern, "categoryPattern": template.categoryPattern]
            if let resource = template.auth.resource { entry["auth"] = ["type": "ManagedIdentity", "resource": resource] }
            return entry
        }
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys])
        let path = folder.appendingPathComponent("\(resource.name).upstream.json").path
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailure.runtimeFailure("error: cannot write \(path)")
        }
        return path
    }
}
