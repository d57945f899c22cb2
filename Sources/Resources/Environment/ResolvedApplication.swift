import Foundation

/// Chooses free TCP ports for resources whose port is not fixed. Implemented over real sockets
/// by the command line; tests inject a deterministic one.
public protocol PortAllocator {
    /// A port that is free now, for `resource`.
    mutating func freePort(for resource: String) throws -> Int
}

/// Supplies the access key of an emulated SignalR resource that has none in apphost.yaml.
/// The command line keeps keys in `.apphost/`; tests inject fixed ones.
public protocol AccessKeyProvider {
    /// The key for `resource`, the same on every call.
    func accessKey(for resource: String) throws -> String
}

/// The model bound to one run on this machine: every endpoint has a port and every emulator a key.
public struct ResolvedApplication: ConnectionValues {
    /// The model.
    public let model: ApplicationModel
    /// The port of every emulated SignalR resource and every project with an endpoint.
    public let ports: [String: Int]
    /// The access key of every emulated SignalR resource.
    public let accessKeys: [String: String]
    /// The managed identity of every project that signs in with Microsoft Entra ID.
    public let identities: [String: ManagedIdentityValues]
    /// The port of the local token service, when some project has an identity.
    public let identityPort: Int?
    /// The tenant of the local identities, when some project has one.
    public let tenantID: String?

    /// The host name handed to apps; the emulator and the apps listen on loopback.
    public static let localHost = "localhost"

    /// Resolves `model`: fixed ports as written, free ports from `allocator` for the others,
    /// keys from the model or from `keys`.
    public init(model: ApplicationModel, allocator: inout some PortAllocator, keys: some AccessKeyProvider,
                identities identityProvider: (any IdentityProvider)? = nil) throws {
        self.model = model
        var ports: [String: Int] = [:]
        var accessKeys: [String: String] = [:]
        var taken = Set(model.fixedPorts.map(\.port))
        for resource in model.resources {
            let requested: Int?
            switch resource {
            case .signalR(let signalR) where signalR.emulator:
                requested = signalR.port ?? 0
                accessKeys[signalR.name] = try signalR.accessKey ?? keys.accessKey(for: signalR.name)
            case .project(let project):
                requested = project.port
            default:
                requested = nil
            }
            guard let requested else { continue }
            ports[resource.name] = requested > 0 ? requested : try Self.freePort(for: resource.name, from: &allocator, avoiding: &taken)
        }
        self.ports = ports
        self.accessKeys = accessKeys
        var identities: [String: ManagedIdentityValues] = [:]
        if let identityProvider {
            for name in model.namesWithIdentity { identities[name] = try identityProvider.identity(for: name) }
        }
        self.identities = identities
        tenantID = identities.isEmpty ? nil : try identityProvider?.tenantID()
        identityPort = identities.isEmpty ? nil : try Self.freePort(for: Self.identityServiceName, from: &allocator, avoiding: &taken)
    }

    /// A free port from `allocator` that is not in `taken`, which it joins. An allocator may
    /// hand back a port it gave before (or a fixed one): then it is asked again.
    private static func freePort(for name: String, from allocator: inout some PortAllocator, avoiding taken: inout Set<Int>) throws -> Int {
        var port = try allocator.freePort(for: name)
        var attempts = 1
        while taken.contains(port), attempts < 100 {
            port = try allocator.freePort(for: name)
            attempts += 1
        }
        taken.insert(port)
        return port
    }

    /// The name the token service's port is allocated under (not a valid resource name).
    public static let identityServiceName = "(identity)"

    public func managedIdentity(of project: ProjectResource) -> ManagedIdentityValues? { identities[project.name] }

    public var identityEndpoint: String? { identityPort.map { "http://127.0.0.1:\($0)/msi/token" } }

    public var openIDConfiguration: String? {
        guard let identityPort, let tenantID else { return nil }
        return "http://127.0.0.1:\(identityPort)/\(tenantID)/.well-known/openid-configuration"
    }

    public func uri(of resource: SignalRResource) -> String {
        guard resource.emulator else { return Self.cloudURI(resource.endpoint ?? "") }
        return "http://\(Self.localHost):\(ports[resource.name] ?? 0)"
    }

    public func host(of resource: SignalRResource) -> String {
        guard resource.emulator else { return URLComponents(string: uri(of: resource))?.host ?? "" }
        return Self.localHost
    }

    public func port(of resource: SignalRResource) -> String {
        guard resource.emulator else {
            let components = URLComponents(string: uri(of: resource))
            return String(components?.port ?? (components?.scheme == "http" ? 80 : 443))
        }
        return String(ports[resource.name] ?? 0)
    }

    public func connectionString(of resource: SignalRResource) -> (value: String, secrets: [String]) {
        if resource.emulator {
            return connectionString(endpoint: uri(of: resource), authentication: resource.localAuthentication, accessKey: accessKeys[resource.name])
        }
        return connectionString(endpoint: uri(of: resource), authentication: resource.effectiveAuthentication,
                                accessKey: resource.accessKey)
    }

    public func url(of project: ProjectResource) -> String {
        "http://\(Self.localHost):\(port(of: project))"
    }

    public func host(of project: ProjectResource) -> String { Self.localHost }

    public func port(of project: ProjectResource) -> String { String(ports[project.name] ?? 0) }

    /// A cloud endpoint as apps receive it: without a trailing slash.
    static func cloudURI(_ endpoint: String) -> String {
        var uri = endpoint
        while uri.hasSuffix("/") { uri.removeLast() }
        return uri
    }
}

extension ApplicationModel {
    /// Every port fixed in the model (emulators and projects), with where it is written.
    public var fixedPorts: [(resource: String, port: Int, location: SourceLocation)] {
        resources.compactMap { resource in
            switch resource {
            case .signalR(let signalR) where signalR.emulator:
                guard let port = signalR.port, port > 0 else { return nil }
                return (signalR.name, port, signalR.location(of: "port"))
            case .project(let project):
                guard let port = project.port, port > 0 else { return nil }
                return (project.name, port, project.location(of: "port"))
            default:
                return nil
            }
        }
    }
}
