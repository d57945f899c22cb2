import Foundation
import Synchronization

/// A live feed of what happens in the emulator (connects, disconnects, messages, upstream calls),
/// for the dashboard and for tests. Each subscriber keeps the newest 1000 events; a slow
/// subscriber loses old events rather than slowing the emulator. With a history, the newest
/// events are also kept for whoever asks later (`apphost mcp`), in a bounded ring.
final class EventFeed: Sendable {
    private let subscribers = Mutex<[UInt64: AsyncStream<[UInt8]>.Continuation]>([:])
    private let nextID = Atomic<UInt64>(0)
    private let historyLimit: Int
    private let history = Mutex<EventHistory>(EventHistory())

    /// A feed that keeps the newest `historyLimit` events (none: live subscribers only).
    init(historyLimit: Int = 0) {
        self.historyLimit = historyLimit
    }

    /// Whether anyone listens or the history is kept (events are not even encoded otherwise).
    var wantsEvents: Bool { historyLimit > 0 || subscribers.withLock { !$0.isEmpty } }

    /// The newest `limit` events kept, oldest first, and how many older ones the ring has
    /// dropped since the start.
    func recent(limit: Int) -> (events: [[UInt8]], dropped: UInt64) {
        history.withLock { history in (Array(history.events.suffix(max(0, limit))), history.dropped) }
    }

    /// A stream of events as JSON objects; ends when the subscriber stops iterating.
    func subscribe() -> AsyncStream<[UInt8]> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Publishes an event: a type and its fields (a time stamp is added).
    func publish(_ type: String, _ fields: [(String, HubValue)]) {
        guard wantsEvents else { return }
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        let event = HubValue.map([HubPair(.string("type"), .string(type)), HubPair(.string("time"), .string(stamp))]
            + fields.map { HubPair(.string($0.0), $0.1) })
        let bytes = JSONCodec.encode(event)
        if historyLimit > 0 {
            history.withLock { $0.append(bytes, limit: historyLimit) }
        }
        let continuations = subscribers.withLock { Array($0.values) }
        for continuation in continuations { continuation.yield(bytes) }
    }

    /// Sends every subscriber an empty event, which the stream writes as a comment: readers
    /// that left are noticed, proxies keep the stream open.
    func heartbeat() {
        let continuations = subscribers.withLock { Array($0.values) }
        for continuation in continuations { continuation.yield([]) }
    }

    /// Ends every subscription (at shutdown).
    func finishAll() {
        let continuations = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}

/// The kept events: a ring of at most the feed's limit, the oldest overwritten first.
private struct EventHistory {
    private var ring: [[UInt8]] = []
    /// Where the oldest event is once the ring is full.
    private var oldest = 0
    /// Events overwritten to keep within the limit.
    private(set) var dropped: UInt64 = 0

    /// The events, oldest first.
    var events: [[UInt8]] { Array(ring[oldest...] + ring[..<oldest]) }

    mutating func append(_ event: [UInt8], limit: Int) {
        guard ring.count >= limit else { return ring.append(event) }
        ring[oldest] = event
        oldest = (oldest + 1) % ring.count
        dropped += 1
    }
}
