import CProcessSpawn
import Foundation
import Synchronization

/// Keeps within reach every process the supervised processes start, including those that leave
/// their process group on purpose (`setsid`, a double-forking daemon), which signals to the
/// group and the orphan guard would otherwise miss.
///
/// Twice a second it walks the process tree below the supervised processes. A process in a group
/// apphost did not start is announced, and its group goes under the orphan guard; when
/// supervision ends those groups are stopped, SIGTERM then SIGKILL. With `adoptsOrphans` the
/// supervisor's process becomes a child subreaper: a daemon whose parent exits is re-parented to
/// it instead of to init, so it stays in the tree, and it is reaped when it ends. Only a process
/// whose every child is supervised may adopt orphans (`apphost run`): any child not launched here
/// counts as an orphan of the supervised ones.
final class ProcessTreeWatch: Sendable {
    /// A process group started below a supervised process but not by the supervisor.
    struct EscapedGroup: Sendable, Equatable {
        /// The group id (its leader's pid).
        let group: pid_t
        /// The first member seen and its program, for the announcement.
        let pid: pid_t
        let command: String
        /// The supervised process it comes from, when the tree or its output pipe tells.
        var owner: String?
        /// Its members at the last walk that saw it.
        var members: Set<pid_t>
    }

    private struct State {
        /// The supervised group leaders alive now, by pid, with their names.
        var supervised: [pid_t: String] = [:]
        /// The pipes apphost reads their output from ("pipe:[inode]"), naming the process: an
        /// orphan still writing to one of them is known to come from that process.
        var outputPipes: [String: String] = [:]
        var escaped: [pid_t: EscapedGroup] = [:]
    }

    private let state = Mutex(State())
    /// Held while a child is spawned and registered, and while orphans are reaped, so that a
    /// fresh child is never mistaken for an orphan and reaped by the wrong waiter.
    private let spawning = Mutex(())
    private let orphanGuard: OrphanGuard
    private let console: LogMultiplexer
    private let adoptsOrphans: Bool
    private let ownPID = getpid()
    private let ownGroup = getpgrp()

    /// The escaped groups known now.
    var escapedGroups: [EscapedGroup] { state.withLock { Array($0.escaped.values) } }

    /// Watches the tree below the processes launched through it. With `adoptsOrphans`, makes this
    /// process a child subreaper (see the type's comment); it says so if the kernel refuses.
    init(orphanGuard: OrphanGuard, console: LogMultiplexer, adoptsOrphans: Bool) {
        self.orphanGuard = orphanGuard
        self.console = console
        var adopting = adoptsOrphans
        if adoptsOrphans, case let error = apphost_become_subreaper(), error != 0 {
            console.announce("cannot keep orphaned processes (prctl: \(String(cString: strerror(error)))); a daemon whose parent exits may outlive apphost")
            adopting = false
        }
        self.adoptsOrphans = adopting
    }

    /// Starts `specification` and puts its group under the guard and the watch.
    func launch(_ specification: ProcessSpecification) throws(LaunchFailure) -> LaunchedProcess {
        try spawning.withLock { _ throws(LaunchFailure) -> LaunchedProcess in
            let launched = try ProcessLauncher.launch(specification)
            orphanGuard.adopt(launched.pid)
            let pipes = [launched.standardOutput, launched.standardError].compactMap { Self.identity(ofDescriptor: $0, of: "self") }
            state.withLock { state in
                state.supervised[launched.pid] = specification.name
                for pipe in pipes { state.outputPipes[pipe] = specification.name }
            }
            return launched
        }
    }

    /// The supervised process `pid` has exited and its group has been killed.
    func ended(_ pid: pid_t) {
        state.withLock { state in
            guard let name = state.supervised.removeValue(forKey: pid) else { return }
            state.outputPipes = state.outputPipes.filter { $0.value != name }
        }
        orphanGuard.release(pid)
    }

    /// Sweeps every half second until cancelled, announcing each escaped group once.
    func watch() async {
        while !Task.isCancelled {
            announce(sweep())
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Stops every escaped group: SIGTERM, then SIGKILL after `timeout` or once `hurry` opens.
    /// Returns when none is left, or 2 s after SIGKILL if one cannot be killed (another user's).
    func stopEscapedGroups(within timeout: Duration, hurry: Latch) async {
        announce(sweep())
        let groups = state.withLock { Array($0.escaped.values) }
        guard !groups.isEmpty else { return }
        console.announce("stopping what the apps left running: \(Self.list(groups))")
        var signal = hurry.isOpen ? SIGKILL : SIGTERM
        for group in groups { kill(-group.group, signal) }
        var deadline = ContinuousClock.now + (signal == SIGKILL ? .seconds(2) : timeout)
        while true {
            announce(sweep())
            let left = state.withLock { Array($0.escaped.values) }
            if left.isEmpty { return }
            if signal == SIGTERM, hurry.isOpen || ContinuousClock.now >= deadline {
                if !hurry.isOpen { console.announce("still running \(RestartTracker.describe(timeout)) after SIGTERM: \(Self.list(left)); sending SIGKILL") }
                signal = SIGKILL
                deadline = ContinuousClock.now + .seconds(2)
                for group in left { kill(-group.group, SIGKILL) }
            } else if signal == SIGKILL, ContinuousClock.now >= deadline {
                console.announce("could not stop \(Self.list(left)): SIGKILL was refused or the process is stuck in the kernel")
                return
            }
            // Nothing signals the end of a process that is not our child; /proc is asked again.
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func list(_ groups: [EscapedGroup]) -> String {
        groups.sorted { $0.pid < $1.pid }.map { "\($0.command) (pid \($0.pid))" }.joined(separator: ", ")
    }

    /// Sends `signal` to the escaped groups that descend from the supervised process `owner`:
    /// they go with it, as what is left in its own group does. Looks at the tree first, so a
    /// process started since the last sweep is not missed.
    func signalEscapedGroups(of owner: String, _ signal: Int32) {
        announce(sweep())
        let groups = state.withLock { $0.escaped.values.filter { $0.owner == owner }.map(\.group) }
        for group in groups { kill(-group, signal) }
    }

    /// Walks the tree once: records and guards new escaped groups (returned), forgets those
    /// whose members are all gone, and reaps orphans that have ended.
    @discardableResult
    func sweep() -> [EscapedGroup] {
        let (supervised, pipes, known, orphans) = spawning.withLock { _ in
            let (supervised, pipes, known) = state.withLock { ($0.supervised, $0.outputPipes, $0.escaped) }
            return (supervised, pipes, known, adoptsOrphans ? reapEndedOrphans(supervised) : [])
        }
        // An orphan's parent is gone, so its owner is told by the output pipe it inherited.
        var roots = supervised.map { (pid: $0.key, owner: Optional($0.value)) }
            + orphans.map { orphan in (pid: orphan, owner: Self.owner(ofOrphan: orphan, pipes: pipes)) }
        var seen: [pid_t: EscapedGroup] = [:]
        var visited = Set<pid_t>()
        while let (pid, inherited) = roots.popLast() {
            guard visited.insert(pid).inserted, let entry = ProcessTable.entry(pid), !entry.isZombie else { continue }
            let owner = supervised[pid] ?? inherited
            let group = entry.group
            if supervised[group] == nil, group != ownGroup, group > 1 {
                seen[group, default: known[group] ?? EscapedGroup(group: group, pid: pid, command: entry.command, owner: owner, members: [])]
                    .members.insert(pid)
                if seen[group]?.owner == nil { seen[group]?.owner = owner }
            }
            roots += ProcessTable.children(of: pid).map { (pid: $0, owner: owner) }
        }
        let fresh = seen.values.filter { known[$0.group] == nil }
        for group in fresh { orphanGuard.adopt(group.group) }
        let gone = state.withLock { state -> [pid_t] in
            for (group, entry) in seen {
                state.escaped[group] = entry
            }
            let gone = state.escaped.values.filter { escaped in
                seen[escaped.group] == nil && !escaped.members.contains { Self.isAlive($0, in: escaped.group) }
            }.map(\.group)
            for group in gone { state.escaped.removeValue(forKey: group) }
            return gone
        }
        for group in gone { orphanGuard.release(group) }
        return fresh.sorted { $0.pid < $1.pid }
    }

    private func announce(_ groups: [EscapedGroup]) {
        for group in groups {
            let origin = group.owner.map { "\($0) started" } ?? "an app left behind"
            console.announce("\(origin) \(group.command) (pid \(group.pid)) in a process group of its own; apphost will stop it at shutdown")
        }
    }

    /// Reaps the children not launched here (orphans re-parented to this subreaper) that have
    /// ended, and returns those still running. Called with `spawning` held, so a child being
    /// launched is never among them.
    private func reapEndedOrphans(_ supervised: [pid_t: String]) -> [pid_t] {
        ProcessTable.children(of: ownPID).filter { child in
            guard supervised[child] == nil, child != orphanGuard.pid else { return false }
            var status: Int32 = 0
            // 0: still running; the pid: it had ended and is reaped now.
            return waitpid(child, &status, WNOHANG) == 0
        }
    }

    /// The project whose output pipe the orphan's stdout or stderr still writes to, if any.
    /// Each descriptor is read once: /proc changes under us, so a lazy chain that asks twice
    /// (as `lazy.compactMap` does) can get a different answer the second time.
    private static func owner(ofOrphan orphan: pid_t, pipes: [String: String]) -> String? {
        for descriptor: Int32 in [1, 2] {
            if let identity = identity(ofDescriptor: descriptor, of: "\(orphan)"), let owner = pipes[identity] {
                return owner
            }
        }
        return nil
    }

    /// What descriptor `descriptor` of process `process` ("self" or a pid) refers to, such as
    /// "pipe:[1234]"; both ends of a pipe show the same.
    private static func identity(ofDescriptor descriptor: Int32, of process: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/fd/\(descriptor)")
    }

    /// Whether `pid` still runs (is not a zombie) as a member of `group`; a recycled pid in
    /// another group does not count.
    private static func isAlive(_ pid: pid_t, in group: pid_t) -> Bool {
        guard let entry = ProcessTable.entry(pid) else { return false }
        return !entry.isZombie && entry.group == group
    }
}
