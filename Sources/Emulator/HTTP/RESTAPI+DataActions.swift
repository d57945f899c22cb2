import Access
import Hummingbird

/// The data action each REST operation needs from an Entra ID caller, as Azure's built-in roles
/// define them ("Check group existence or user existence in group" is `group/read`, closing a
/// connection `clientConnection/write`, and so on).
extension RESTAPI.Operation {
    /// The action of `method` on this operation; nil for one that needs none (health).
    func dataAction(method: HTTPRequest.Method) -> SignalRDataAction? {
        let reading = method == .get || method == .head
        switch self {
        case .health: return nil
        case .accessKey: return .accessKey
        case .v1(let route): return Self.dataAction(of: route, reading: reading, method: method)
        case .v2022(let route): return Self.dataAction(of: route, reading: reading)
        }
    }

    private static func dataAction(of route: RESTAPI.V1Route, reading: Bool, method: HTTPRequest.Method) -> SignalRDataAction {
        switch route {
        case .broadcast: return .hubSend
        case .user: return reading ? .userRead : .userSend
        case .group: return reading ? .groupRead : .groupSend
        case .connection: return reading ? .clientConnectionRead : method == .delete ? .clientConnectionWrite : .clientConnectionSend
        case .userGroups: return .userWrite
        case .groupConnection: return .groupWrite
        case .groupUser: return reading ? .groupRead : .userWrite
        }
    }

    private static func dataAction(of route: RESTAPI.V2022Route, reading: Bool) -> SignalRDataAction {
        switch route {
        case .send: return .hubSend
        case .closeConnections, .closeGroup, .closeUser: return .clientConnectionWrite
        case .generateToken: return .clientToken
        case .execute: return .clientConnectionWrite
        case .connection: return reading ? .clientConnectionRead : .clientConnectionWrite
        case .sendToConnection, .invoke, .sendToStream, .completeStream: return .clientConnectionSend
        case .connectionGroups: return .groupWrite
        case .group, .groupConnections: return .groupRead
        case .sendToGroup: return .groupSend
        case .groupConnection: return .groupWrite
        case .user: return .userRead
        case .sendToUser: return .userSend
        case .userGroups, .userGroup: return reading ? .groupRead : .userWrite
        }
    }
}
