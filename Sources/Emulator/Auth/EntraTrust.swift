import Access

/// Microsoft Entra ID as `apphost run` provides it: which issuer the emulator trusts, and the
/// roles each principal holds on this resource (its role assignments).
public struct EntraTrust: Sendable {
    /// Checks the tokens.
    public let validator: EntraTokenValidator
    /// The roles of each principal, by object id.
    public let roles: [String: [SignalRRole]]

    /// Trust in `validator`'s issuer, with `assignments`.
    public init(validator: EntraTokenValidator, assignments: [RoleAssignment]) {
        self.validator = validator
        var roles: [String: [SignalRRole]] = [:]
        for assignment in assignments { roles[assignment.principalID.lowercased(), default: []] += assignment.roles }
        self.roles = roles
    }

    /// Why `principal` may not do `action`, or nil when one of its roles grants it.
    public func refusal(of action: SignalRDataAction, to principal: EntraPrincipal) -> String? {
        let held = roles[principal.objectID.lowercased()] ?? []
        if held.contains(where: { $0.grants(action) }) { return nil }
        let needed = SignalRRole.narrowest(granting: action)
        let holding = held.isEmpty ? "no role on this resource" : "only " + held.map(\.displayName).joined(separator: ", ")
        return "The principal '\(principal.objectID)' has \(holding); '\(action.rawValue)' needs a role that grants it, such as \(needed.displayName) (in apphost.yaml: roles: [\(needed.rawValue)] on the reference)."
    }
}
