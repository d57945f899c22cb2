import Synchronization

/// A one-time event tasks can wait for: once opened it stays open. Waiting is cancellable, so a
/// wait can race a timer or another event in a task group.
final class Latch: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    /// Whether the latch has been opened.
    var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Opens the latch and wakes every waiter.
    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isOpen else { return [] }
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once the latch is open, or when the task is cancelled.
    func wait() async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isOpen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Waits for the latch, but no longer than `timeout`; returns whether it opened.
    func wait(atMost timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.wait()
                return self.isOpen
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return self.isOpen
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || isOpen
        }
    }
}
