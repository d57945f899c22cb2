import Access
import Hummingbird

/// The data action each REST operation needs from an Entra ID caller, as Azure's built-in roles
/// define them ("Check group existence or user existence in group" is `group/read`, closing a
/// connection `clientConnection/write`, and so on).
extension RESTAPI {
    /// The action of `method` on the route at `segments` (past `/api` or `/api/v1`); nil for
    /// routes that need none (health).
    static func dataAction(of segments: [String], isV1: Bool, method: HTTPRequest.Method) -> SignalRDataAction? {
        if segments == ["health"] { return nil }
        if segments == ["auth", "accessKey"] { return .accessKey }
        let past = Array(segments.dropFirst(2))
        let reading = method == .get || method == .head
        if isV1 {
            switch V1Route(past) {
            case .broadcast?: return .hubSend
            case .user?: return reading ? .userRead : .userSend
            case .group?: return reading ? .groupRead : .groupSend
            case .connection?: return reading ? .clientConnectionRead : method == .delete ? .clientConnectionWrite : .clientConnectionSend
            case .userGroups?: return .userWrite
            case .groupConnection?: return .groupWrite
            case .groupUser?: return reading ? .groupRead : .userWrite
            case nil: return nil
            }
        }
        switch V2022Route(past) {
        case .send?: return .hubSend
        case .closeConnections?, .closeGroup?, .closeUser?: return .clientConnectionWrite
        case .generateToken?: return .clientToken
        case .execute?: return .clientConnectionWrite
        case .connection?: return reading ? .clientConnectionRead : .clientConnectionWrite
        case .sendToConnection?, .invoke?, .sendToStream?, .completeStream?: return .clientConnectionSend
        case .connectionGroups?: return .groupWrite
        case .group?, .groupConnections?: return .groupRead
        case .sendToGroup?: return .groupSend
        case .groupConnection?: return .groupWrite
        case .user?: return .userRead
        case .sendToUser?: return .userSend
        case .userGroups?, .userGroup?: return reading ? .groupRead : .userWrite
        case nil: return nil
        }
    }
}
