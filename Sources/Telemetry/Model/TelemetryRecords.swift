import Foundation

/// One span as the dashboard keeps it: where it belongs (trace, parent, resource), what it did
/// and how long it took.
public struct SpanRecord: Sendable, Equatable, Codable {
    /// One event on the span.
    public struct Event: Sendable, Equatable, Codable {
        public var name: String
        public var time: Date
        public var attributes: [String: TelemetryValue]
    }

    /// 32 lowercase hex digits, as OTLP/JSON and `traceparent` write it.
    public var traceId: String
    /// 16 lowercase hex digits.
    public var spanId: String
    /// The parent's span id; nil for a root span.
    public var parentSpanId: String?
    public var name: String
    /// internal, server, client, producer or consumer.
    public var kind: String
    /// The `service.name` of the resource that sent it (for a project: its name in apphost.yaml).
    public var resource: String
    /// The instrumentation scope (library) that made it.
    public var scope: String
    public var start: Date
    public var end: Date
    /// How long it took, in milliseconds (from the nanoseconds it was sent with).
    public var durationMilliseconds: Double
    /// When it started, in milliseconds since 1970 with the microseconds kept (the page places
    /// spans of a fast trace with it; `start` as text has milliseconds only).
    public var startUnixMilliseconds: Double
    /// unset, ok or error.
    public var status: String
    public var statusMessage: String?
    public var attributes: [String: TelemetryValue]
    public var events: [Event]
}

/// One structured log record.
public struct LogRecordEntry: Sendable, Equatable, Codable {
    public var time: Date
    public var resource: String
    public var scope: String
    /// OTLP's SeverityNumber, 1 (TRACE) to 24 (FATAL4); 0 when unspecified.
    public var severityNumber: Int
    /// trace, debug, info, warn, error or fatal (from the number), or the sender's own text.
    public var severity: String
    public var message: String
    public var attributes: [String: TelemetryValue]
    public var traceId: String?
    public var spanId: String?
}

/// One point of one instrument.
public struct MetricPoint: Sendable, Equatable, Codable {
    public var resource: String
    public var scope: String
    /// The instrument's name.
    public var name: String
    public var description: String
    public var unit: String
    /// gauge, sum, histogram, exponentialHistogram or summary.
    public var kind: String
    public var time: Date
    /// The value of a gauge or a sum; a histogram's or a summary's sum.
    public var value: Double?
    /// How many measurements a histogram or a summary holds.
    public var count: UInt64?
    /// A histogram's bucket counts and their upper bounds.
    public var bucketCounts: [UInt64]?
    public var explicitBounds: [Double]?
    public var attributes: [String: TelemetryValue]
}
