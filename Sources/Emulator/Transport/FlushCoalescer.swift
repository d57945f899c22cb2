import NIOCore

/// Decides when the WebSocket clients of one event loop are flushed after broadcasts.
///
/// Every flush is a system call per client, and on loopback the sender's call also runs the
/// receiver's network stack: sending several frames in one call costs little more than one.
/// A broadcast after a quiet spell (no broadcast for `quietSpell`) is flushed to each client as
/// soon as it is written, so a lone message is never delayed. While broadcasts keep coming, the clients are flushed
/// `window` after the first unflushed one, together with everything written meanwhile, the
/// way TCP's Nagle algorithm or an output pipe's batching would: a frame then waits at most
/// `window`, and the emulator delivers about a third more messages per second with a lower
/// latency under saturation, since less time goes to system calls (BENCHMARKS.md).
final class FlushCoalescer: @unchecked Sendable {
    // `@unchecked Sendable`: every member below is touched on `eventLoop` only.

    /// The event loop whose clients this coalescer flushes.
    let eventLoop: any EventLoop
    /// The longest a written frame waits for its flush while broadcasts keep coming.
    static let window: TimeAmount = .milliseconds(5)
    /// The silence after which a broadcast is flushed at once.
    static let quietSpell: TimeAmount = .milliseconds(20)

    private var waiting: [WebSocketOutput] = []
    private var flushScheduled = false
    private var lastBroadcast = NIODeadline.uptimeNanoseconds(0)

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// On the event loop, before a broadcast's frames are written; returns whether each client
    /// is to be flushed as soon as its frame is written (after a quiet spell, so a lone message
    /// waits for nothing) rather than in the coalesced flush.
    func beginBroadcast() -> Bool {
        // The loop's clock, not the wall's, so the policy can be tested on an embedded loop.
        let now = eventLoop.now
        defer { lastBroadcast = now }
        return now - lastBroadcast >= Self.quietSpell && !flushScheduled
    }

    /// On the event loop: a broadcast's frame was written to `output`.
    func written(_ output: WebSocketOutput, flushAtOnce: Bool) {
        if flushAtOnce {
            output.flush()
        } else if !output.awaitsFlush {
            output.awaitsFlush = true
            waiting.append(output)
        }
    }

    /// On the event loop, after a broadcast's frames are written: the clients left waiting are
    /// flushed `window` after the first of them.
    func endBroadcast() {
        guard !flushScheduled, !waiting.isEmpty else { return }
        flushScheduled = true
        eventLoop.scheduleTask(in: Self.window) { self.flush() }
    }

    private func flush() {
        flushScheduled = false
        let outputs = waiting
        waiting.removeAll(keepingCapacity: true)
        for output in outputs {
            output.awaitsFlush = false
            output.flush()
        }
    }
}
