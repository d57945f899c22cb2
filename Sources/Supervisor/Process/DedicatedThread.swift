import Foundation

/// Runs blocking system calls (waitpid, read) on a thread of their own, so they never hold one
/// of the few threads of Swift's cooperative pool (two on this kind of machine).
public enum DedicatedThread {
    /// Runs `body` on a new thread and returns its result to the awaiting task.
    public static func run<Result: Sendable>(named name: String, _ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            start(named: name) { continuation.resume(returning: body()) }
        }
    }

    /// Starts `body` on a new thread and returns at once.
    static func start(named name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = 512 << 10
        thread.start()
    }
}
