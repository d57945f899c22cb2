/// Azure's built-in roles for the data plane of Azure SignalR Service, with the data actions
/// each grants as Azure defines them (role definitions of the "Web and Mobile" built-in roles).
///
/// The one list both sides use: `apphost publish` assigns these roles in Bicep, and the emulator
/// allows an Entra ID caller exactly the actions of the roles its identity holds.
public enum SignalRRole: String, Sendable, CaseIterable {
    /// Lets an app server connect to the service and sign client tokens with a temporary key.
    case appServer = "SignalRAppServer"
    /// Full access to the REST API, and client tokens from the service.
    case restAPIOwner = "SignalRRestApiOwner"
    /// Read-only access to the REST API: whether connections, users and groups exist.
    case restAPIReader = "SignalRRestApiReader"
    /// Every data action.
    case serviceOwner = "SignalRServiceOwner"

    /// The role's display name in Azure.
    public var displayName: String {
        switch self {
        case .appServer: "SignalR App Server"
        case .restAPIOwner: "SignalR REST API Owner"
        case .restAPIReader: "SignalR REST API Reader"
        case .serviceOwner: "SignalR Service Owner"
        }
    }

    /// The built-in role definition id.
    public var definitionID: String {
        switch self {
        case .appServer: "420fcaa2-552c-430f-98ca-3264be4806c7"
        case .restAPIOwner: "fd53cd77-2268-407a-8f46-7e7863d0f521"
        case .restAPIReader: "ddde6b66-c0df-4114-a159-3618637b3035"
        case .serviceOwner: "7e4f1700-ea5a-4f59-8f37-079cfe29dce3"
        }
    }

    /// The role definition's `dataActions`, as Azure writes them.
    public var dataActions: [String] {
        switch self {
        case .appServer:
            [SignalRDataAction.accessKey.rawValue, SignalRDataAction.serverConnectionWrite.rawValue,
             SignalRDataAction.clientConnectionWrite.rawValue]
        case .restAPIOwner:
            [SignalRDataAction.clientToken.rawValue, "Microsoft.SignalRService/SignalR/hub/*",
             "Microsoft.SignalRService/SignalR/group/*", "Microsoft.SignalRService/SignalR/clientConnection/*",
             "Microsoft.SignalRService/SignalR/user/*"]
        case .restAPIReader:
            [SignalRDataAction.groupRead.rawValue, SignalRDataAction.clientConnectionRead.rawValue,
             SignalRDataAction.userRead.rawValue]
        case .serviceOwner:
            ["Microsoft.SignalRService/SignalR/*"]
        }
    }

    /// Whether the role grants `action`.
    public func grants(_ action: SignalRDataAction) -> Bool {
        dataActions.contains { action.isGranted(by: $0) }
    }

    /// Why an app needs the role, for the comment above a role assignment.
    public var purpose: String {
        switch self {
        case .appServer: "connect as an app server and mint client access tokens"
        case .restAPIOwner: "call the REST API: broadcast, send to users and groups, manage connections"
        case .restAPIReader: "ask the REST API whether connections, users and groups exist"
        case .serviceOwner: "every data-plane operation"
        }
    }

    /// The roles a reference holds when it names none: what Aspire grants (App Server), plus
    /// REST API Owner in Serverless mode, where apps reach clients through the REST API only.
    public static func defaults(serverless: Bool) -> [SignalRRole] {
        serverless ? [.appServer, .restAPIOwner] : [.appServer]
    }

    /// The least of these roles that grants `action` (for the message of a refusal).
    public static func narrowest(granting action: SignalRDataAction) -> SignalRRole {
        [.restAPIReader, .appServer, .restAPIOwner, .serviceOwner].first { $0.grants(action) } ?? .serviceOwner
    }
}

/// The roles one principal (a local managed identity) holds on one SignalR resource, written
/// `<object id>=<Role>,<Role>` on the emulator's command line.
public struct RoleAssignment: Sendable, Equatable {
    /// The principal's object id (`oid` of its tokens).
    public var principalID: String
    /// The roles it holds.
    public var roles: [SignalRRole]

    /// An assignment of `roles` to `principalID`.
    public init(principalID: String, roles: [SignalRRole]) {
        self.principalID = principalID
        self.roles = roles
    }

    /// Parses `<object id>=<Role>,<Role>`; nil when it is not that.
    public init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        var roles: [SignalRRole] = []
        for name in parts[1].split(separator: ",") {
            guard let role = SignalRRole(rawValue: String(name)) else { return nil }
            roles.append(role)
        }
        self.init(principalID: String(parts[0]), roles: roles)
    }

    /// The command-line form, `<object id>=<Role>,<Role>`.
    public var argument: String {
        "\(principalID)=\(roles.map(\.rawValue).joined(separator: ","))"
    }
}
