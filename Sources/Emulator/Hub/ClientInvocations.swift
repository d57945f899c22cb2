import Synchronization

/// Invocations the emulator sent to a client on an app's behalf (`connections/{id}/:invoke`),
/// waiting for the client's completion.
final class ClientInvocations: Sendable {
    private struct Key: Hashable {
        var connectionID: String
        var invocationID: String
    }

    private struct State {
        var waiting: [Key: CheckedContinuation<Completion.Outcome, Never>] = [:]
        var next = 0
    }

    private let state = Mutex(State())
    /// The error of an invocation whose connection closed first.
    static let closedMessage = "The connection closed before the client answered."
    /// How the error of an invocation that timed out begins.
    static let timeoutPrefix = "The client did not answer within"

    /// A fresh invocation id (unique in this emulator, so never one a client chose).
    func makeID() -> String {
        state.withLock { state in
            state.next += 1
            return "asrs-\(state.next)"
        }
    }

    /// Waits for the completion of `invocationID` on `connectionID`: what the client answered,
    /// or an error when the connection ends or `timeout` passes first. `send` runs once the
    /// wait is registered, so an answer cannot arrive before it is expected.
    func wait(connectionID: String, invocationID: String, timeout: Duration, send: () -> Void) async -> Completion.Outcome {
        let key = Key(connectionID: connectionID, invocationID: invocationID)
        return await withTaskGroup(of: Void.self) { group in
            let outcome = await withCheckedContinuation { continuation in
                state.withLock { $0.waiting[key] = continuation }
                send()
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled {
                        self.resolve(key, .error("\(Self.timeoutPrefix) \(timeout.components.seconds) s."))
                    }
                }
            }
            group.cancelAll()
            return outcome
        }
    }

    /// A completion arrived from a client: true when it answered one of these invocations.
    @discardableResult
    func complete(connectionID: String, invocationID: String, outcome: Completion.Outcome) -> Bool {
        resolve(Key(connectionID: connectionID, invocationID: invocationID), outcome)
    }

    /// The connection ended: every invocation waiting on it fails.
    func connectionEnded(_ connectionID: String) {
        let ended = state.withLock { state in
            let keys = state.waiting.keys.filter { $0.connectionID == connectionID }
            return keys.compactMap { state.waiting.removeValue(forKey: $0) }
        }
        for continuation in ended { continuation.resume(returning: .error(Self.closedMessage)) }
    }

    @discardableResult
    private func resolve(_ key: Key, _ outcome: Completion.Outcome) -> Bool {
        guard let continuation = state.withLock({ $0.waiting.removeValue(forKey: key) }) else { return false }
        continuation.resume(returning: outcome)
        return true
    }
}
