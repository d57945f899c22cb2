/// The application described by an apphost.yaml: its SignalR resources and projects.
///
/// A model is produced by ``ModelLoader`` and only exists when it is valid; it holds what the
/// user wrote (with defaults applied), not anything chosen for a particular run.
public struct ApplicationModel: Sendable {
    /// The application's name (`name:`, else the folder of apphost.yaml).
    public var name: String
    /// The file the model came from, as the user named it.
    public var file: String
    /// Every resource, in the order of the file.
    public var resources: [Resource]

    /// Creates a model.
    public init(name: String, file: String, resources: [Resource]) {
        self.name = name
        self.file = file
        self.resources = resources
    }

    /// The resource called `name`, if any.
    public func resource(named name: String) -> Resource? {
        resources.first { $0.name == name }
    }

    /// The resources `names` need to run: themselves and, transitively, what they reference
    /// or wait for, as `docker compose up NAME` brings up a service's dependencies. Names
    /// that are not resources are ignored (the caller reports them).
    public func resourcesNeeded(by names: some Sequence<String>) -> Set<String> {
        var needed = Set<String>()
        var pending = Array(names)
        while let name = pending.popLast() {
            guard let resource = resource(named: name), needed.insert(name).inserted else { continue }
            pending += resource.dependencies.map(\.value)
        }
        return needed
    }

    /// The SignalR resources, in file order.
    public var signalRResources: [SignalRResource] {
        resources.compactMap { if case .signalR(let resource) = $0 { resource } else { nil } }
    }

    /// The projects, in file order.
    public var projects: [ProjectResource] {
        resources.compactMap { if case .project(let project) = $0 { project } else { nil } }
    }
}

/// One entry under `resources:`.
public enum Resource: Sendable {
    /// An Azure SignalR Service resource (emulated locally or in the cloud).
    case signalR(SignalRResource)
    /// An app the apphost runs.
    case project(ProjectResource)

    /// The resource's name (its key under `resources:`).
    public var name: String {
        switch self {
        case .signalR(let resource): resource.name
        case .project(let project): project.name
        }
    }

    /// Where the resource's name is written.
    public var location: SourceLocation {
        switch self {
        case .signalR(let resource): resource.location
        case .project(let project): project.location
        }
    }

    /// The `type:` value.
    public var typeName: String {
        switch self {
        case .signalR: "signalr"
        case .project: "project"
        }
    }

    /// The names of the resources this one depends on (references, then waitFor), each once.
    public var dependencies: [Located<String>] {
        guard case .project(let project) = self else { return [] }
        var seen = Set<String>()
        return (project.references.map { Located($0.resource, at: $0.location) } + project.waitFor)
            .filter { seen.insert($0.value).inserted }
    }
}
