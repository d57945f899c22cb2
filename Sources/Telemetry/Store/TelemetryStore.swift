import Foundation
import Synchronization

/// What `apphost run` has received: for each resource a bounded number of spans, log records
/// and metric points, the oldest dropped (and counted) so memory stays bounded however much a
/// project sends.
public final class TelemetryStore: Sendable {
    /// How much is kept per resource.
    public struct Limits: Sendable {
        public var spans: Int
        public var logs: Int
        public var points: Int

        public init(spans: Int = 10_000, logs: Int = 10_000, points: Int = 10_000) {
            self.spans = spans
            self.logs = logs
            self.points = points
        }
    }

    /// What one resource sent.
    struct ResourceData {
        var spans: BoundedBuffer<SpanRecord>
        var logs: BoundedBuffer<LogRecordEntry>
        var points: BoundedBuffer<MetricPoint>

        init(_ limits: Limits) {
            spans = BoundedBuffer(limit: limits.spans)
            logs = BoundedBuffer(limit: limits.logs)
            points = BoundedBuffer(limit: limits.points)
        }
    }

    private let limits: Limits
    private let resources = Mutex<[String: ResourceData]>([:])

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public func add(spans: [SpanRecord]) {
        resources.withLock { resources in
            for span in spans { resources[span.resource, default: ResourceData(limits)].spans.append(span) }
        }
    }

    public func add(logs: [LogRecordEntry]) {
        resources.withLock { resources in
            for record in logs { resources[record.resource, default: ResourceData(limits)].logs.append(record) }
        }
    }

    public func add(points: [MetricPoint]) {
        resources.withLock { resources in
            for point in points { resources[point.resource, default: ResourceData(limits)].points.append(point) }
        }
    }

    /// Every kept span (of `resource`, or of all).
    public func spans(of resource: String? = nil) -> [SpanRecord] {
        collect(resource) { $0.spans.items }
    }

    public func logs(of resource: String? = nil) -> [LogRecordEntry] {
        collect(resource) { $0.logs.items }
    }

    public func points(of resource: String? = nil) -> [MetricPoint] {
        collect(resource) { $0.points.items }
    }

    /// Per resource: how many of each are kept and how many were dropped.
    public func summary() -> [TelemetryResourceSummary] {
        resources.withLock { resources in
            resources.keys.sorted().map { name in
                let data = resources[name]!
                return TelemetryResourceSummary(resource: name, spans: data.spans.count, droppedSpans: data.spans.dropped,
                                                logs: data.logs.count, droppedLogs: data.logs.dropped,
                                                points: data.points.count, droppedPoints: data.points.dropped)
            }
        }
    }

    private func collect<Item: Sendable>(_ resource: String?, _ items: (ResourceData) -> [Item]) -> [Item] {
        // The kept data is copied out under the lock (the buffers are values), read outside it.
        let chosen: [ResourceData] = resources.withLock { resources in
            if let resource { return resources[resource].map { [$0] } ?? [] }
            return resources.keys.sorted().map { resources[$0]! }
        }
        return chosen.flatMap(items)
    }
}

/// How much one resource has sent and how much of it was dropped.
public struct TelemetryResourceSummary: Sendable, Equatable, Codable {
    public var resource: String
    public var spans: Int
    public var droppedSpans: UInt64
    public var logs: Int
    public var droppedLogs: UInt64
    public var points: Int
    public var droppedPoints: UInt64
}
