import Foundation
import Synchronization

/// Every hub's connections, users and groups, behind one lock.
///
/// Hub names are case-insensitive (the key is lower-cased); user ids and group names are
/// compared exactly, as the service does. Entries disappear with the last connection or
/// membership that needs them, so churn leaves nothing behind.
public final class HubRegistry: Sendable {
    struct HubState {
        var connections: [String: ClientConnection] = [:]
        var connectionsByUser: [String: Set<String>] = [:]
        /// Groups that connections joined directly.
        var groupConnections: [String: Set<String>] = [:]
        var connectionGroups: [String: Set<String>] = [:]
        /// Groups that users joined (their connections are members while it lasts): user → group → expiry.
        var userGroups: [String: [String: ContinuousClock.Instant]] = [:]
        var groupUsers: [String: Set<String>] = [:]

        var isEmpty: Bool { connections.isEmpty && userGroups.isEmpty }
    }

    /// Message counters of a hub.
    public struct Counters: Sendable, Equatable {
        public var messagesIn: UInt64 = 0
        public var messagesOut: UInt64 = 0
    }

    private struct State {
        var hubs: [String: HubState] = [:]
        var counters: [String: Counters] = [:]
    }

    private let state = Mutex(State())
    /// How long a user stays in a group added without `ttl`: a year, as the service documents.
    static let defaultMembership: Duration = .seconds(365 * 24 * 3600)

    public init() {}

    static func key(_ hub: String) -> String { hub.lowercased() }

    /// Changes one hub's tables in place and drops the hub when it is left empty. The hub is
    /// taken out of the dictionary while `body` runs, so its tables are uniquely referenced and
    /// are not copied: copying them on every change made each connect cost as much as the
    /// number of connections already in the hub.
    private static func update<Result>(_ hubName: String, in state: inout State, creating: Bool = false,
                                       _ body: (inout HubState) -> Result) -> Result? {
        let key = Self.key(hubName)
        guard var hub = state.hubs.removeValue(forKey: key) ?? (creating ? HubState() : nil) else { return nil }
        defer { if !hub.isEmpty { state.hubs[key] = hub } }
        return body(&hub)
    }

    // MARK: Connections

    func add(_ connection: ClientConnection) {
        state.withLock { state in
            Self.update(connection.hub, in: &state, creating: true) { hub in
                hub.connections[connection.id] = connection
                if let user = connection.userID { hub.connectionsByUser[user, default: []].insert(connection.id) }
            }
        }
    }

    /// Removes a connection and its memberships; false if it was not there.
    @discardableResult
    func remove(_ connection: ClientConnection) -> Bool {
        state.withLock { state in
            Self.update(connection.hub, in: &state) { hub in
                guard hub.connections.removeValue(forKey: connection.id) != nil else { return false }
                if let user = connection.userID {
                    hub.connectionsByUser[user]?.remove(connection.id)
                    if hub.connectionsByUser[user]?.isEmpty == true { hub.connectionsByUser[user] = nil }
                }
                for group in hub.connectionGroups.removeValue(forKey: connection.id) ?? [] {
                    hub.groupConnections[group]?.remove(connection.id)
                    if hub.groupConnections[group]?.isEmpty == true { hub.groupConnections[group] = nil }
                }
                return true
            } ?? false
        }
    }

    /// A connection of `hub` by id.
    public func connection(_ id: String, hub: String) -> ClientConnection? {
        state.withLock { $0.hubs[Self.key(hub)]?.connections[id] }
    }

    /// Every connection of `hub`, less `excluded`.
    func connections(hub: String, excluding excluded: Set<String> = []) -> [ClientConnection] {
        state.withLock { state in
            guard let connections = state.hubs[Self.key(hub)]?.connections else { return [] }
            if excluded.isEmpty { return Array(connections.values) }
            return connections.values.filter { !excluded.contains($0.id) }
        }
    }

    /// The connections of a user, less `excluded`.
    func connections(user: String, hub: String, excluding excluded: Set<String> = []) -> [ClientConnection] {
        state.withLock { state in
            guard let hub = state.hubs[Self.key(hub)] else { return [] }
            return (hub.connectionsByUser[user] ?? []).subtracting(excluded).compactMap { hub.connections[$0] }
        }
    }

    /// The members of a group, directly or through their user, less `excluded`.
    func connections(group: String, hub: String, excluding excluded: Set<String> = [], now: ContinuousClock.Instant = .now) -> [ClientConnection] {
        state.withLock { state in
            guard let hub = state.hubs[Self.key(hub)] else { return [] }
            return Self.members(of: group, in: hub, now: now).subtracting(excluded).compactMap { hub.connections[$0] }
        }
    }

    private static func members(of group: String, in hub: HubState, now: ContinuousClock.Instant) -> Set<String> {
        var members = hub.groupConnections[group] ?? []
        for user in hub.groupUsers[group] ?? [] where (hub.userGroups[user]?[group]).map({ $0 > now }) == true {
            members.formUnion(hub.connectionsByUser[user] ?? [])
        }
        return members
    }

    // MARK: Groups

    /// Adds a connection to a group; false if the connection is not in the hub.
    func addConnection(_ id: String, toGroup group: String, hub: String) -> Bool {
        state.withLock { state in
            Self.update(hub, in: &state) { hub in
                guard hub.connections[id] != nil else { return false }
                hub.groupConnections[group, default: []].insert(id)
                hub.connectionGroups[id, default: []].insert(group)
                return true
            } ?? false
        }
    }

    /// Removes a connection from a group; false if the connection is not in the hub.
    func removeConnection(_ id: String, fromGroup group: String?, hub: String) -> Bool {
        state.withLock { state in
            Self.update(hub, in: &state) { hub in
                guard hub.connections[id] != nil else { return false }
                let groups = group.map { [$0] } ?? Array(hub.connectionGroups[id] ?? [])
                for group in groups {
                    hub.groupConnections[group]?.remove(id)
                    if hub.groupConnections[group]?.isEmpty == true { hub.groupConnections[group] = nil }
                    hub.connectionGroups[id]?.remove(group)
                }
                if hub.connectionGroups[id]?.isEmpty == true { hub.connectionGroups[id] = nil }
                return true
            } ?? false
        }
    }

    /// Adds a user to a group for `ttl` seconds (nil: a year). With `ttl == 0` only the user's
    /// current connections join, as the service documents.
    func addUser(_ user: String, toGroup group: String, hub: String, ttl: Int?, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            Self.update(hub, in: &state, creating: true) { hub in
                if ttl == 0 {
                    for id in hub.connectionsByUser[user] ?? [] {
                        hub.groupConnections[group, default: []].insert(id)
                        hub.connectionGroups[id, default: []].insert(group)
                    }
                } else {
                    let lifetime = ttl.map { Duration.seconds($0) } ?? Self.defaultMembership
                    hub.userGroups[user, default: [:]][group] = now + lifetime
                    hub.groupUsers[group, default: []].insert(user)
                }
            }
        }
    }

    /// Removes a user from one group (or all, when `group` is nil): the membership and the
    /// direct memberships of the user's connections.
    func removeUser(_ user: String, fromGroup group: String?, hub: String) {
        state.withLock { state in
            Self.update(hub, in: &state) { hub in
                let groups = group.map { [$0] } ?? Array(Set(hub.userGroups[user]?.keys.map { $0 } ?? []).union(
                    (hub.connectionsByUser[user] ?? []).flatMap { hub.connectionGroups[$0] ?? [] }))
                for group in groups {
                    hub.userGroups[user]?[group] = nil
                    hub.groupUsers[group]?.remove(user)
                    if hub.groupUsers[group]?.isEmpty == true { hub.groupUsers[group] = nil }
                    for id in hub.connectionsByUser[user] ?? [] {
                        hub.groupConnections[group]?.remove(id)
                        if hub.groupConnections[group]?.isEmpty == true { hub.groupConnections[group] = nil }
                        hub.connectionGroups[id]?.remove(group)
                        if hub.connectionGroups[id]?.isEmpty == true { hub.connectionGroups[id] = nil }
                    }
                }
                if hub.userGroups[user]?.isEmpty == true { hub.userGroups[user] = nil }
            }
        }
    }

    /// Whether a user is in a group: a live membership, or one of its connections joined directly.
    func isUser(_ user: String, inGroup group: String, hub: String, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard let hub = state.hubs[Self.key(hub)] else { return false }
            if let expiry = hub.userGroups[user]?[group], expiry > now { return true }
            return (hub.connectionsByUser[user] ?? []).contains { hub.connectionGroups[$0]?.contains(group) == true }
        }
    }

    /// Whether a group has at least one connection.
    func groupExists(_ group: String, hub: String, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard let hub = state.hubs[Self.key(hub)] else { return false }
            return !Self.members(of: group, in: hub, now: now).isEmpty
        }
    }

    /// Whether a user has at least one connection.
    func userExists(_ user: String, hub: String) -> Bool {
        state.withLock { $0.hubs[Self.key(hub)]?.connectionsByUser[user]?.isEmpty == false }
    }

    /// The groups a connection is in (directly or through its user).
    func groups(of connection: ClientConnection, now: ContinuousClock.Instant = .now) -> [String] {
        state.withLock { state in
            guard let hub = state.hubs[Self.key(connection.hub)] else { return [] }
            var groups = hub.connectionGroups[connection.id] ?? []
            if let user = connection.userID {
                for (group, expiry) in hub.userGroups[user] ?? [:] where expiry > now { groups.insert(group) }
            }
            return groups.sorted()
        }
    }

    /// Drops user memberships whose time is up, so they do not accumulate.
    func sweepExpired(now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            let expiring = state.hubs.filter { _, hub in hub.userGroups.values.contains { $0.values.contains { $0 <= now } } }.keys
            for key in expiring {
                Self.update(key, in: &state) { hub in
                    for (user, groups) in hub.userGroups {
                        for (group, expiry) in groups where expiry <= now {
                            hub.userGroups[user]?[group] = nil
                            hub.groupUsers[group]?.remove(user)
                            if hub.groupUsers[group]?.isEmpty == true { hub.groupUsers[group] = nil }
                        }
                        if hub.userGroups[user]?.isEmpty == true { hub.userGroups[user] = nil }
                    }
                }
            }
        }
    }

    // MARK: Counters and views

    func countIn(hub: String) {
        state.withLock { $0.counters[Self.key(hub), default: Counters()].messagesIn += 1 }
    }

    func countOut(hub: String, _ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.counters[Self.key(hub), default: Counters()].messagesOut += UInt64(count) }
    }

    /// Sizes of the internal tables, for tests that check nothing accumulates.
    public var sizes: (hubs: Int, connections: Int, users: Int, groups: Int, userMemberships: Int) {
        state.withLock { state in
            state.hubs.values.reduce(into: (state.hubs.count, 0, 0, 0, 0)) { total, hub in
                total.1 += hub.connections.count
                total.2 += hub.connectionsByUser.count
                total.3 += hub.groupConnections.count + hub.groupUsers.count
                total.4 += hub.userGroups.count
            }
        }
    }

    /// Every hub's connections and counters.
    func snapshot() -> [(hub: String, connections: [ClientConnection], counters: Counters)] {
        state.withLock { state in
            let keys = Set(state.hubs.keys).union(state.counters.keys).sorted()
            return keys.map { key in
                let connections = state.hubs[key].map { Array($0.connections.values) } ?? []
                return (key, connections.sorted { $0.connectedAt < $1.connectedAt }, state.counters[key] ?? Counters())
            }
        }
    }

    /// Every connection of every hub (for keep-alive).
    func allConnections() -> [ClientConnection] {
        state.withLock { state in state.hubs.values.flatMap { $0.connections.values } }
    }
}
