import Synchronization

/// Counts the client connections whose end is not yet fully handled: admitted, and not yet
/// through `HubService.transportEnded` (the transport closed, the `disconnected` event posted
/// upstream). A shutdown waits for the count to reach zero before it stops the upstream client,
/// so the app hears of every client that left.
final class ConnectionDrain: Sendable {
    private struct State {
        var open = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// A connection was admitted.
    func enter() {
        state.withLock { $0.open += 1 }
    }

    /// A connection's end was handled.
    func leave() {
        let resumed: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.open -= 1
            guard state.open == 0 else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in resumed { waiter.resume() }
    }

    /// The connections not yet ended.
    var open: Int { state.withLock { $0.open } }

    /// Waits until no connection is left or `deadline` passes; true when none is left.
    func wait(until deadline: ContinuousClock.Instant) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitForZero() }
            group.addTask {
                // A bound, not a synchronisation: whatever is still open then is given up on.
                try? await Task.sleep(until: deadline)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Returns once the count is zero, or (false) when the waiting task is cancelled.
    private func waitForZero() async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state in
                    if state.open == 0 || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
            return open == 0
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
