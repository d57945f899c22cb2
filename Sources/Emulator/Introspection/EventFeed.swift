import Foundation
import Synchronization

/// A live feed of what happens in the emulator (connects, disconnects, messages, upstream calls),
/// for the dashboard and for tests. Each subscriber keeps the newest 1000 events; a slow
/// subscriber loses old events rather than slowing the emulator.
final class EventFeed: Sendable {
    private let subscribers = Mutex<[UInt64: AsyncStream<[UInt8]>.Continuation]>([:])
    private let nextID = Atomic<UInt64>(0)

    /// Whether anyone listens (events are not even encoded otherwise).
    var hasSubscribers: Bool { subscribers.withLock { !$0.isEmpty } }

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
        guard hasSubscribers else { return }
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        let event = HubValue.map([HubPair(.string("type"), .string(type)), HubPair(.string("time"), .string(stamp))]
            + fields.map { HubPair(.string($0.0), $0.1) })
        let bytes = JSONCodec.encode(event)
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
