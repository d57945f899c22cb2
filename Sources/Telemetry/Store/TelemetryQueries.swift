import Foundation

/// One trace in a list: its root, the resources it crossed, when and how long, whether it failed.
public struct TraceSummary: Sendable, Equatable, Codable {
    public var traceId: String
    /// The root span's name (the earliest span's, when the root has not arrived).
    public var name: String
    /// The resource of that span.
    public var resource: String
    /// Every resource with a span in the trace.
    public var resources: [String]
    public var start: Date
    public var durationMilliseconds: Double
    public var spanCount: Int
    public var hasError: Bool
}

/// One instrument of one resource, with its latest point.
public struct InstrumentSummary: Sendable, Equatable, Codable {
    public var resource: String
    public var name: String
    public var kind: String
    public var unit: String
    public var description: String
    public var points: Int
    public var latest: MetricPoint
}

/// The questions the dashboard, its JSON API and `apphost mcp` ask of a ``TelemetryStore``.
extension TelemetryStore {
    /// Traces, newest first: of `resource` (any span of it), whose root name contains `name`,
    /// lasting at least `minimumMilliseconds`, only failed ones if `errorsOnly`; at most `limit`.
    public func traces(resource: String? = nil, name: String? = nil, minimumMilliseconds: Double? = nil,
                       errorsOnly: Bool = false, limit: Int = 100) -> [TraceSummary] {
        var byTrace: [String: [SpanRecord]] = [:]
        for span in spans() { byTrace[span.traceId, default: []].append(span) }
        let summaries = byTrace.map { traceID, spans -> TraceSummary in
            let ids = Set(spans.map(\.spanId))
            let root = spans.filter { $0.parentSpanId.map { !ids.contains($0) } ?? true }.min { $0.start < $1.start } ?? spans[0]
            let start = spans.map(\.start).min()!
            let end = spans.map(\.end).max()!
            var resources: [String] = []
            for span in spans.sorted(by: { $0.start < $1.start }) where !resources.contains(span.resource) { resources.append(span.resource) }
            return TraceSummary(traceId: traceID, name: root.name, resource: root.resource, resources: resources, start: start,
                                durationMilliseconds: end.timeIntervalSince(start) * 1000, spanCount: spans.count,
                                hasError: spans.contains { $0.status == "error" })
        }
        return Array(summaries.filter { summary in
            (resource.map { summary.resources.contains($0) } ?? true)
                && (name.map { summary.name.localizedCaseInsensitiveContains($0) } ?? true)
                && (minimumMilliseconds.map { summary.durationMilliseconds >= $0 } ?? true)
                && (!errorsOnly || summary.hasError)
        }.sorted { $0.start > $1.start }.prefix(max(0, limit)))
    }

    /// The spans of one trace, in the order they started.
    public func trace(_ traceID: String) -> [SpanRecord] {
        spans().filter { $0.traceId == traceID.lowercased() }.sorted { $0.start < $1.start }
    }

    /// Log records, oldest first (the newest `limit`): of `resource`, at least `minimumSeverity`
    /// (an OTLP SeverityNumber), whose message or attributes contain `text`, of `traceID`.
    public func logs(resource: String? = nil, minimumSeverity: Int = 0, text: String? = nil, traceID: String? = nil,
                     limit: Int = 500) -> [LogRecordEntry] {
        let matching = logs(of: resource).filter { record in
            record.severityNumber >= minimumSeverity
                && (traceID.map { record.traceId == $0.lowercased() } ?? true)
                && (text.map { text in
                    record.message.localizedCaseInsensitiveContains(text)
                        || record.attributes.contains { $0.key.localizedCaseInsensitiveContains(text) || $0.value.text.localizedCaseInsensitiveContains(text) }
                } ?? true)
        }.sorted { $0.time < $1.time }
        return Array(matching.suffix(max(0, limit)))
    }

    /// Every instrument (of `resource`), by resource and name.
    public func instruments(resource: String? = nil) -> [InstrumentSummary] {
        var byKey: [String: [MetricPoint]] = [:]
        var order: [String] = []
        for point in points(of: resource) {
            let key = point.resource + "\u{0}" + point.name
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(point)
        }
        return order.sorted().map { key in
            let points = byKey[key]!
            let latest = points.max { $0.time < $1.time }!
            return InstrumentSummary(resource: latest.resource, name: latest.name, kind: latest.kind, unit: latest.unit,
                                     description: latest.description, points: points.count, latest: latest)
        }
    }

    /// The newest `limit` points of one instrument, oldest first.
    public func points(resource: String, instrument: String, limit: Int = 500) -> [MetricPoint] {
        Array(points(of: resource).filter { $0.name == instrument }.sorted { $0.time < $1.time }.suffix(max(0, limit)))
    }
}
