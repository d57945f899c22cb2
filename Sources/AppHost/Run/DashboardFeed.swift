import Access
import Dashboard
import Foundation
import Resources
import Supervisor

/// Keeps the dashboard's picture of a run up to date: the resources as apphost.yaml describes
/// them (variables masked), then every state change, start and line the supervisor reports.
struct DashboardFeed: Sendable {
    /// What the dashboard shows.
    let state: DashboardState

    /// The resources of `plan`, none started yet.
    init(plan: ProcessPlan) {
        let application = plan.application
        let resources = application.model.resources.filter { plan.runs($0.name) }.map { resource -> DashboardResource in
            switch resource {
            case .signalR(let signalR):
                // What a project that references it receives, as the page's "Environment".
                let connectionString = application.connectionString(of: signalR)
                let given: [DashboardResource.Variable] = [
                    .init(name: "\(ResourceName.environmentPrefix(of: signalR.name))_URI", value: application.uri(of: signalR)),
                    .init(name: "ConnectionStrings__\(signalR.name)",
                          value: EnvironmentVariable(name: "", value: connectionString.value, secrets: connectionString.secrets).maskedValue),
                ]
                let mode = signalR.mode.rawValue
                return signalR.emulator
                    ? DashboardResource(name: signalR.name, kind: .signalREmulator, summary: "SignalR emulator (\(mode))",
                                        url: application.uri(of: signalR), environment: given)
                    : DashboardResource(name: signalR.name, kind: .signalRCloud, summary: "SignalR in Azure (\(mode))",
                                        url: application.uri(of: signalR), environment: given, state: "Azure")
            case .project(let project):
                var resource = DashboardResource(
                    name: project.name, kind: .project, summary: "project",
                    url: project.hasEndpoint ? application.url(of: project) : nil,
                    // An access key written into the command line is masked as in the logs.
                    command: EnvironmentVariable(name: "", value: project.command.map { application.render($0).value }.joined(separator: " "),
                                                 secrets: plan.secrets).maskedValue,
                    environment: plan.variables(of: project).map { .init(name: $0.name, value: $0.maskedValue) })
                resource.identity = Self.identityLines(of: project, in: application)
                return resource
            }
        }
        state = DashboardState(applicationName: application.model.name, resources: resources)
    }

    /// A project's managed identity and its roles on each SignalR resource it references.
    static func identityLines(of project: ProjectResource, in application: ResolvedApplication) -> [String]? {
        guard let identity = application.managedIdentity(of: project) else { return nil }
        var lines = ["client id \(identity.clientID), object id \(identity.objectID)"]
        for reference in project.references {
            guard case .signalR(let resource)? = application.model.resource(named: reference.resource) else { continue }
            lines.append(reference.effectiveRoles(on: resource).map(\.displayName).joined(separator: ", ") + " on \(resource.name)")
        }
        return lines
    }

    /// Applies one supervisor event.
    func apply(_ event: SupervisorEvent) {
        switch event {
        case .stateChanged(let name, let resourceState):
            let (stateName, detail) = Self.split(resourceState)
            state.update(name) {
                $0.state = stateName
                $0.stateDetail = detail
            }
            // Among its lines, the turns of its life that explain them: why it stopped. (What it
            // waits for changes with every step of its dependencies: the state column shows it.)
            switch resourceState {
            case .exited, .failedToStart, .restarting, .unhealthy, .stopped:
                state.append(name, text: resourceState.description, isError: false, isLifecycle: true)
            case .notStarted, .waiting, .starting, .running, .stopping:
                break
            }
        case .launched(let name, let pid):
            state.update(name) {
                $0.pid = pid
                $0.startedAt = Date()
                $0.starts += 1
            }
            state.append(name, text: "started (pid \(pid))", isError: false, isLifecycle: true)
        case .output(let name, let lines, let isError):
            state.append(name, lines: lines, isError: isError)
        case .ready:
            break
        }
    }

    /// "Exited (code 3)" as ("Exited", "code 3"): the name the page colours, and the rest.
    static func split(_ state: ResourceState) -> (name: String, detail: String?) {
        let text = state.description
        if case .restarting = state { return ("Restarting", text.replacingOccurrences(of: "Restarting ", with: "")) }
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return (text, nil) }
        return (String(text[..<open]).trimmingCharacters(in: .whitespaces),
                String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
    }
}
