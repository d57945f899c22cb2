import Foundation
import Synchronization

/// What a span is to its trace, as OTLP numbers SpanKind.
enum SpanKind: Int, Sendable {
    case internalWork = 1, server = 2, client = 3, producer = 4, consumer = 5
}

/// A span while its work runs: attributes and an error may be added until it ends.
final class Span: Sendable {
    let context: TraceContext
    let parentSpanID: [UInt8]?
    let name: String
    let kind: SpanKind
    let startNanoseconds: UInt64
    private let details = Mutex<(attributes: [(String, HubValue)], error: String?)>(([], nil))

    init(name: String, kind: SpanKind, parent: TraceContext?) {
        self.context = parent?.child() ?? .root()
        self.parentSpanID = parent?.spanID
        self.name = name
        self.kind = kind
        self.startNanoseconds = Span.now()
    }

    /// Sets an attribute (a later value of the same key replaces the earlier one).
    func set(_ key: String, _ value: HubValue) {
        details.withLock { details in
            details.attributes.removeAll { $0.0 == key }
            details.attributes.append((key, value))
        }
    }

    /// Marks the span as failed, with why.
    func fail(_ message: String) {
        details.withLock { $0.error = message }
    }

    /// The finished span, ended now.
    func finish() -> FinishedSpan {
        let (attributes, error) = details.withLock { ($0.attributes, $0.error) }
        return FinishedSpan(context: context, parentSpanID: parentSpanID, name: name, kind: kind, startNanoseconds: startNanoseconds,
                            endNanoseconds: max(Span.now(), startNanoseconds), attributes: attributes, error: error)
    }

    static func now() -> UInt64 {
        UInt64(Date().timeIntervalSince1970 * 1_000_000_000)
    }
}

/// A span that has ended, waiting to be exported.
struct FinishedSpan: Sendable {
    var context: TraceContext
    var parentSpanID: [UInt8]?
    var name: String
    var kind: SpanKind
    var startNanoseconds: UInt64
    var endNanoseconds: UInt64
    var attributes: [(String, HubValue)]
    var error: String?
}

extension HubService {
    /// Runs `body` inside a new span (a child of `parent`, else of the current context, else a
    /// new trace's root), with the span as the current context, and records it when `body`
    /// ends. Without an exporter (no OTLP endpoint) `body` runs with no span, and neither the
    /// name nor the parent is even worked out: a hot path pays one branch.
    func traced<Value, Failure: Error>(_ name: @autoclosure () -> String, kind: SpanKind, parent: @autoclosure () -> TraceContext? = nil,
                                       _ body: (Span?) async throws(Failure) -> Value) async throws(Failure) -> Value {
        guard let spans else { return try await body(nil) }
        let span = Span(name: name(), kind: kind, parent: parent() ?? TraceContext.current)
        let outcome: Result<Value, Failure> = await TraceContext.$current.withValue(span.context) {
            do throws(Failure) { return .success(try await body(span)) } catch { return .failure(error) }
        }
        spans.record(span.finish())
        return try outcome.get()
    }

    /// The same for work that does not wait.
    func traced<Value>(_ name: @autoclosure () -> String, kind: SpanKind, parent: @autoclosure () -> TraceContext? = nil,
                       _ body: (Span?) -> Value) -> Value {
        guard let spans else { return body(nil) }
        let span = Span(name: name(), kind: kind, parent: parent() ?? TraceContext.current)
        let value = TraceContext.$current.withValue(span.context) { body(span) }
        spans.record(span.finish())
        return value
    }
}
