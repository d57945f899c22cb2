import Synchronization

/// The state of every supervised process, in one place: controllers write it, dependents wait
/// on it, and an observer (the command line, the dashboard) sees every change in order.
final class StateBoard: Sendable {
    /// One process's entry.
    struct Entry: Sendable {
        var state: ResourceState = .notStarted
        /// Whether it has ever been started.
        var hasStarted = false
        /// How long after the supervisor started it first became healthy.
        var readyAfter: Duration?
    }

    private struct Contents {
        var entries: [String: Entry]
        var waiters: [Int: (condition: @Sendable ([String: Entry]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextID = 0
    }

    private let contents: Mutex<Contents>
    private let observer: @Sendable (_ name: String, _ entry: Entry, _ all: [String: Entry]) -> Void

    /// A board for `names`, all NotStarted; `observer` is called (in order) after each change.
    init(names: [String], observer: @escaping @Sendable (_ name: String, _ entry: Entry, _ all: [String: Entry]) -> Void) {
        contents = Mutex(Contents(entries: Dictionary(uniqueKeysWithValues: names.map { ($0, Entry()) })))
        self.observer = observer
    }

    /// Every entry now.
    var snapshot: [String: Entry] { contents.withLock { $0.entries } }

    /// Moves `name` to `state`; `readyAfter` records the first time it became healthy.
    func set(_ name: String, _ state: ResourceState, readyAfter: Duration? = nil) {
        let woken = contents.withLock { contents -> [CheckedContinuation<Void, Never>] in
            var entry = contents.entries[name] ?? Entry()
            entry.state = state
            if state.hasStarted, state != .stopped { entry.hasStarted = true }
            if entry.readyAfter == nil, let readyAfter { entry.readyAfter = readyAfter }
            contents.entries[name] = entry
            observer(name, entry, contents.entries)
            let ready = contents.waiters.filter { $0.value.condition(contents.entries) }
            for id in ready.keys { contents.waiters.removeValue(forKey: id) }
            return ready.values.map(\.continuation)
        }
        woken.forEach { $0.resume() }
    }

    /// Returns once `condition` holds for the board (at once if it holds now), or when cancelled.
    func wait(until condition: @escaping @Sendable ([String: Entry]) -> Bool) async {
        let id = contents.withLock { contents -> Int in
            contents.nextID += 1
            return contents.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = contents.withLock { contents -> Bool in
                    if Task.isCancelled || condition(contents.entries) { return true }
                    contents.waiters[id] = (condition, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = contents.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }
}
