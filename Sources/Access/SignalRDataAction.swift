/// A data action of Azure SignalR Service: what an Entra ID caller must be granted, through a
/// role, for one operation of the data plane. Azure's built-in roles grant them, some by
/// wildcard (`…/SignalR/hub/*`).
public enum SignalRDataAction: String, Sendable, CaseIterable {
    case hubSend = "Microsoft.SignalRService/SignalR/hub/send/action"
    case groupSend = "Microsoft.SignalRService/SignalR/group/send/action"
    case groupRead = "Microsoft.SignalRService/SignalR/group/read"
    case groupWrite = "Microsoft.SignalRService/SignalR/group/write"
    case userSend = "Microsoft.SignalRService/SignalR/user/send/action"
    case userRead = "Microsoft.SignalRService/SignalR/user/read"
    case userWrite = "Microsoft.SignalRService/SignalR/user/write"
    case clientConnectionSend = "Microsoft.SignalRService/SignalR/clientConnection/send/action"
    case clientConnectionRead = "Microsoft.SignalRService/SignalR/clientConnection/read"
    case clientConnectionWrite = "Microsoft.SignalRService/SignalR/clientConnection/write"
    case clientToken = "Microsoft.SignalRService/SignalR/auth/clientToken/action"
    case accessKey = "Microsoft.SignalRService/SignalR/auth/accessKey/action"
    case serverConnectionWrite = "Microsoft.SignalRService/SignalR/serverConnection/write"

    /// Whether a role's entry (an action, or a prefix ending in `*`) grants this action.
    public func isGranted(by entry: String) -> Bool {
        if entry.hasSuffix("*") { return rawValue.hasPrefix(entry.dropLast()) }
        return rawValue == entry
    }
}
