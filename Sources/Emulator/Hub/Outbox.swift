import NIOCore
import Synchronization

/// The frames waiting to be written to one client, bounded in bytes.
///
/// Producers (broadcasts, sends, pings) never wait: a frame is queued or, when the client reads
/// too slowly and the queue is full, the connection is marked overflowed and closed, so one slow
/// reader cannot hold back the others or grow memory. One transport task drains the queue.
public final class Outbox: Sendable {
    /// What the draining task receives.
    public enum Item: Sendable {
        /// A protocol frame to write.
        case frame(ByteBuffer)
        /// The last frame (a Close message, if any) and then the end of the connection.
        case finish(closeFrame: ByteBuffer?)
    }

    private struct State {
        var items: [Item] = []
        var head = 0
        var bytes = 0
        var finished = false
        var waiter: CheckedContinuation<Item?, Never>?
    }

    // The waiter is resumed exactly once: whoever takes it out of the state under the lock
    // (a producer, finish, or cancellation) resumes it.

    private let state = Mutex(State())
    /// The most bytes that may wait.
    public let limit: Int

    /// An outbox holding at most `limit` bytes.
    public init(limit: Int) {
        self.limit = limit
    }

    /// Queues a frame; false when the outbox is finished or full (the caller closes the connection).
    @discardableResult
    public func enqueue(_ frame: ByteBuffer) -> Bool {
        enum Outcome { case handOver(CheckedContinuation<Item?, Never>), queued, refused }
        let outcome: Outcome = state.withLock { state in
            guard !state.finished else { return .refused }
            if state.bytes + frame.readableBytes > limit, state.bytes > 0 { return .refused }
            if let waiter = state.waiter {
                state.waiter = nil
                return .handOver(waiter)
            }
            state.items.append(.frame(frame))
            state.bytes += frame.readableBytes
            return .queued
        }
        switch outcome {
        case .handOver(let waiter):
            waiter.resume(returning: .frame(frame))
            return true
        case .queued:
            return true
        case .refused:
            return false
        }
    }

    /// Ends the outbox after the frames already queued (and `closeFrame`); later frames are refused.
    public func finish(closeFrame: ByteBuffer? = nil) {
        let waiter: CheckedContinuation<Item?, Never>? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items.append(.finish(closeFrame: closeFrame))
            return nil
        }
        waiter?.resume(returning: .finish(closeFrame: closeFrame))
    }

    /// Ends the outbox at once, dropping what was queued (a client that stopped reading).
    public func abandon(closeFrame: ByteBuffer?) {
        let waiter: CheckedContinuation<Item?, Never>? = state.withLock { state in
            state.finished = true
            state.items = []
            state.head = 0
            state.bytes = 0
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items = [.finish(closeFrame: closeFrame)]
            return nil
        }
        waiter?.resume(returning: .finish(closeFrame: closeFrame))
    }

    /// The next item, waiting for one. After the finish item it returns finish again; nil only
    /// when the waiting task is cancelled (the outbox itself is left as it is).
    public func next() async -> Item? {
        if let item = takeQueued() { return item }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Item?? = state.withLock { state in
                    if state.head < state.items.count { return .some(popLocked(&state)) }
                    if state.finished { return .some(.finish(closeFrame: nil)) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Takes every queued frame at once (for transports that send batches: long polling).
    public func drainQueued() -> [Item] {
        state.withLock { state in
            let items = Array(state.items[state.head...])
            state.items.removeAll(keepingCapacity: true)
            state.head = 0
            state.bytes = 0
            return items
        }
    }

    /// The bytes waiting.
    public var queuedBytes: Int { state.withLock { $0.bytes } }

    private func takeQueued() -> Item? {
        state.withLock { state in
            state.head < state.items.count ? popLocked(&state) : nil
        }
    }

    private func popLocked(_ state: inout State) -> Item {
        let item = state.items[state.head]
        state.head += 1
        if case .frame(let buffer) = item { state.bytes -= buffer.readableBytes }
        if state.head == state.items.count {
            state.items.removeAll(keepingCapacity: state.items.count < 64)
            state.head = 0
        }
        return item
    }
}
