/// An Azure SignalR Service resource: emulated on this machine, or an existing one in Azure.
public struct SignalRResource: Sendable {
    /// The resource's name.
    public var name: String
    /// Where the name is written.
    public var location: SourceLocation
    /// Where each of the resource's keys has its value, for messages about them.
    public var keyLocations: [String: SourceLocation] = [:]

    /// The service mode (default: Default, as in Aspire).
    public var mode: ServiceMode = .default
    /// Whether `apphost run` starts a local emulator for it (default: true).
    public var emulator = true
    /// The cloud endpoint, used when `emulator` is false.
    public var endpoint: String?
    /// A fixed emulator port; nil or 0 for a free one.
    public var port: Int?
    /// An explicit access key; otherwise a random one is kept in `.apphost/`.
    public var accessKey: String?
    /// How apps authenticate to the cloud resource.
    public var authType: CloudAuthentication?
    /// The tier to publish (default Free_F1).
    public var sku: SignalRSKU = .free
    /// The units to publish; nil for the tier's smallest.
    public var capacity: Int?
    /// Origins allowed to call the service from a browser when published (default: all).
    public var corsAllowedOrigins: [String]?
    /// Serverless upstream templates, first match wins.
    public var upstream: [UpstreamTemplate] = []
    /// How long `apphost run` waits after SIGTERM before it sends SIGKILL (default 10 s).
    public var shutdownTimeout: Duration = .seconds(10)

    /// Creates a resource with the defaults of apphost.yaml.
    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// Where `key`'s value is written, else where the resource is.
    public func location(of key: String) -> SourceLocation {
        keyLocations[key] ?? location
    }

    /// The capacity that will be published: the given one or the tier's smallest.
    public var effectiveCapacity: Int { capacity ?? sku.allowedCapacities[0] }

    /// The authentication used in Azure: what the user chose, else an access key when one was
    /// given for a cloud resource, else Microsoft Entra ID (`AuthType=azure`).
    public var effectiveAuthentication: CloudAuthentication {
        if let authType { return authType }
        return !emulator && accessKey != nil ? .accessKey : .azure
    }
}

/// The mode of an Azure SignalR Service.
public enum ServiceMode: String, Sendable, CaseIterable {
    /// Hub servers connect to the service (ASP.NET Core with `AddAzureSignalR`).
    case `default` = "Default"
    /// No hub server: apps use the REST API and upstream webhooks.
    case serverless = "Serverless"
}

/// How apps authenticate to a cloud SignalR resource.
public enum CloudAuthentication: Sendable, Equatable {
    /// `AuthType=azure`: DefaultAzureCredential (managed identity in Azure, developer login locally).
    case azure
    /// `AuthType=azure.msi`: a managed identity, user-assigned when a client id is given.
    case managedIdentity(clientID: String?)
    /// `AccessKey=…` in the connection string.
    case accessKey

    /// The values `authType:` accepts.
    public static let names = ["azure", "azure.msi", "accessKey"]
}

/// The pricing tiers of Azure SignalR Service and the unit counts each allows.
public enum SignalRSKU: String, Sendable, CaseIterable {
    case free = "Free_F1"
    case standard = "Standard_S1"
    case premiumP1 = "Premium_P1"
    case premiumP2 = "Premium_P2"

    /// The capacities Azure accepts for the tier, smallest first.
    public var allowedCapacities: [Int] {
        switch self {
        case .free: [1]
        case .standard, .premiumP1: Array(1...10) + Array(stride(from: 20, through: 100, by: 10))
        case .premiumP2: Array(stride(from: 100, through: 1000, by: 100))
        }
    }

    /// The allowed capacities as a user reads them ("1–10, 20, 30 … 100").
    public var allowedCapacitiesDescription: String {
        switch self {
        case .free: "1"
        case .standard, .premiumP1: "1–10, 20, 30, 40 … 100"
        case .premiumP2: "100, 200, 300 … 1000"
        }
    }
}

/// An upstream URL template: where the service posts client events in Serverless mode.
public struct UpstreamTemplate: Sendable {
    /// The URL, with `{hub}`, `{category}`, `{event}` placeholders and `{name.url}` expressions.
    public var urlTemplate: TemplateString
    /// Hubs it applies to: `*`, a name, or a comma-separated list.
    public var hubPattern = "*"
    /// Events it applies to.
    public var eventPattern = "*"
    /// Categories it applies to (`connections`, `messages`).
    public var categoryPattern = "*"
    /// How the service authenticates to the upstream: nothing, or a managed-identity token.
    public var auth: UpstreamAuthentication = .none
    /// Where the template is written.
    public var location: SourceLocation

    /// Creates a template matching everything.
    public init(urlTemplate: TemplateString, location: SourceLocation) {
        self.urlTemplate = urlTemplate
        self.location = location
    }
}

/// How the service authenticates its calls to an upstream URL (Azure's `upstream.templates[].auth`).
public enum UpstreamAuthentication: Sendable, Equatable {
    /// No `Authorization` header (the `X-ASRS-Signature` header is still sent).
    case none
    /// `Authorization: Bearer <token>`: a token of the service's own managed identity for
    /// `resource` (the upstream app's application id URI or client id), which the app verifies.
    case managedIdentity(resource: String)

    /// The values `auth.type` accepts.
    public static let typeNames = ["None", "ManagedIdentity"]

    /// The token's audience, for a managed-identity upstream.
    public var resource: String? {
        if case .managedIdentity(let resource) = self { return resource }
        return nil
    }
}
