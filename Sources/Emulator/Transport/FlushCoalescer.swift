import NIOCore

/// Decides when the WebSocket clients of one event loop are flushed after broadcasts.
///
/// Every flush is a system call per client, and on loopback the sender's call also runs the
/// receiver's network stack: sending several frames in one call costs little more than one.
/// So each client is flushed at most once per `window`: a broadcast's frames are flushed as soon
/// as the loop has run the tasks already queued (other broadcasts among them, which then share
/// the flush), unless the last flush was less than `window` ago; then they wait for the window's
/// end, together with everything written meanwhile, the way TCP's Nagle algorithm would. A lone
/// message is never delayed, and under saturation the emulator spends its time on messages, not
/// system calls (BENCHMARKS.md has both figures).
final class FlushCoalescer: @unchecked Sendable {
    // `@unchecked Sendable`: every member below is touched on `eventLoop` only.

    /// The event loop whose clients this coalescer flushes.
    let eventLoop: any EventLoop
    /// The shortest time between two flushes of the same clients.
    static let window: TimeAmount = .milliseconds(5)

    private var waiting: [WebSocketOutput] = []
    private var flushScheduled = false
    private var lastFlush = NIODeadline.uptimeNanoseconds(0)

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// On the event loop: a broadcast's frame was written to `output`.
    func written(_ output: WebSocketOutput) {
        guard !output.awaitsFlush else { return }
        output.awaitsFlush = true
        waiting.append(output)
    }

    /// On the event loop, after a broadcast's frames are written: the clients left waiting are
    /// flushed after the tasks queued now, or at the end of the window of the last flush.
    func endBroadcast() {
        guard !flushScheduled, !waiting.isEmpty else { return }
        flushScheduled = true
        // The loop's clock, not the wall's, so the policy can be tested on an embedded loop.
        let earliest = lastFlush + Self.window
        if eventLoop.now >= earliest {
            eventLoop.execute { self.flush() }
        } else {
            eventLoop.scheduleTask(deadline: earliest) { self.flush() }
        }
    }

    private func flush() {
        flushScheduled = false
        lastFlush = eventLoop.now
        let outputs = waiting
        waiting.removeAll(keepingCapacity: true)
        for output in outputs {
            output.awaitsFlush = false
            output.flush()
        }
    }
}
