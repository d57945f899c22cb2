import Access

/// Who signs in how under `apphost run` and in Azure: the authentication of each resource, the
/// roles of each reference, and which resources get a local managed identity.
extension SignalRResource {
    /// How apps authenticate under `apphost run`: to an emulator, with the `authType` written
    /// (default: an access key); to a cloud resource, as they will in Azure.
    public var localAuthentication: CloudAuthentication {
        emulator ? (authType ?? .accessKey) : effectiveAuthentication
    }

    /// Whether apps sign in to the emulator with Microsoft Entra ID (a local managed identity).
    public var usesLocalEntraID: Bool {
        emulator && localAuthentication != .accessKey
    }
}

extension Reference {
    /// The roles the referencing project holds on `resource`: those written, else the defaults
    /// of its mode.
    public func effectiveRoles(on resource: SignalRResource) -> [SignalRRole] {
        roles?.value ?? SignalRRole.defaults(serverless: resource.mode == .serverless)
    }
}

extension ApplicationModel {
    /// The projects that need a local managed identity: those referencing an emulated SignalR
    /// resource that uses Entra ID.
    public var projectsWithIdentity: [ProjectResource] {
        projects.filter { project in
            project.references.contains { reference in
                if case .signalR(let resource)? = resource(named: reference.resource) { return resource.usesLocalEntraID }
                return false
            }
        }
    }

    /// The roles `apphost publish` grants on `resource` to the deploying principal, who runs the
    /// apps against it: every role a reference to it holds, else the defaults of its mode.
    public func publishedRoles(of resource: SignalRResource) -> [SignalRRole] {
        let held = Set(roleHolders(of: resource).flatMap(\.roles))
        guard !held.isEmpty else { return SignalRRole.defaults(serverless: resource.mode == .serverless) }
        return SignalRRole.allCases.filter(held.contains)
    }

    /// The emulated SignalR resources whose upstreams need their managed identity.
    public var emulatorsWithIdentity: [SignalRResource] {
        signalRResources.filter { resource in resource.emulator && resource.upstream.contains { $0.auth != .none } }
    }

    /// Every resource that gets a local managed identity: projects and emulators, by name.
    public var namesWithIdentity: [String] {
        projectsWithIdentity.map(\.name) + emulatorsWithIdentity.map(\.name)
    }

    /// The resources (audiences) tokens may be asked for under `apphost run`: SignalR's, and
    /// those of the managed-identity upstreams.
    public var tokenResources: [String] {
        var resources = ["https://signalr.azure.com"]
        for resource in emulatorsWithIdentity {
            for template in resource.upstream {
                if let audience = template.auth.resource, !resources.contains(audience) { resources.append(audience) }
            }
        }
        return resources
    }

    /// Each project referencing `resource`, with the roles it holds on it.
    public func roleHolders(of resource: SignalRResource) -> [(project: ProjectResource, roles: [SignalRRole])] {
        projects.compactMap { project in
            project.references.first { $0.resource == resource.name }.map { (project, $0.effectiveRoles(on: resource)) }
        }
    }
}
