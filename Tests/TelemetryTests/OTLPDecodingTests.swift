import Foundation
import Testing

@testable import Telemetry

/// OTLP bodies as exporters send them: OTLP/JSON written by hand from the specification (hex ids,
/// lowerCamelCase names, 64-bit integers as strings), and protobuf from the generated messages.
@Suite("OTLP decoding")
struct OTLPDecodingTests {
    static let traceJSON = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
         "scopeSpans":[{"scope":{"name":"tests"},"spans":[
          {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173",
           "name":"GET /chat","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661500000000",
           "attributes":[{"key":"http.status_code","value":{"intValue":"500"}},{"key":"ok","value":{"boolValue":false}}],
           "events":[{"timeUnixNano":"1544712661000000000","name":"retry","attributes":[]}],
           "status":{"code":2,"message":"boom"}}]}]}]}
        """

    @Test("OTLP/JSON spans read with their hex ids, kind, times, attributes, events and status")
    func readsJSONSpans() throws {
        let spans = try OTLPDecoding.spans(Data(Self.traceJSON.utf8), encoding: .json)
        let span = try #require(spans.first)
        #expect(span.traceId == "5b8efff798038103d269b633813fc60c" && span.spanId == "eee19b7ec3c1b174")
        #expect(span.parentSpanId == "eee19b7ec3c1b173")
        #expect(span.resource == "api" && span.scope == "tests" && span.kind == "server" && span.name == "GET /chat")
        #expect(span.durationMilliseconds == 1500)
        #expect(span.attributes["http.status_code"] == .int(500) && span.attributes["ok"] == .bool(false))
        #expect(span.events.map(\.name) == ["retry"])
        #expect(span.status == "error" && span.statusMessage == "boom")
    }

    @Test("Protobuf spans read as the JSON ones")
    func readsProtobufSpans() throws {
        var request = Opentelemetry_Proto_Trace_V1_ExportTraceServiceRequest()
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        var name = Opentelemetry_Proto_Common_V1_KeyValue()
        name.key = "service.name"
        name.value.stringValue = "worker"
        resourceSpans.resource.attributes = [name]
        var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = Data(repeating: 0xAB, count: 16)
        span.spanID = Data(repeating: 0x01, count: 8)
        span.name = "work"
        span.kind = .client
        span.startTimeUnixNano = 1_000_000_000
        span.endTimeUnixNano = 1_250_000_000
        scope.spans = [span]
        resourceSpans.scopeSpans = [scope]
        request.resourceSpans = [resourceSpans]
        let records = try OTLPDecoding.spans(try request.serializedData(), encoding: .protobuf)
        #expect(records.count == 1)
        #expect(records[0].traceId == String(repeating: "ab", count: 16) && records[0].parentSpanId == nil)
        #expect(records[0].resource == "worker" && records[0].kind == "client" && records[0].durationMilliseconds == 250)
    }

    @Test("Log records read with their level, message, attributes and trace")
    func readsLogs() throws {
        let body = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
             "scopeLogs":[{"scope":{"name":"app"},"logRecords":[
              {"timeUnixNano":"1544712660300000000","severityNumber":17,"severityText":"Error","body":{"stringValue":"it failed"},
               "attributes":[{"key":"user","value":{"stringValue":"ann"}}],
               "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}]}
            """
        let record = try #require(try OTLPDecoding.logs(Data(body.utf8), encoding: .json).first)
        #expect(record.severity == "error" && record.severityNumber == 17 && record.message == "it failed")
        #expect(record.attributes["user"] == .string("ann") && record.traceId == "5b8efff798038103d269b633813fc60c")
    }

    @Test("Metric points read for sums, gauges and histograms")
    func readsMetrics() throws {
        let body = """
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
             "scopeMetrics":[{"scope":{"name":"app"},"metrics":[
              {"name":"requests","unit":"1","sum":{"dataPoints":[{"asInt":"7","timeUnixNano":"1544712660300000000"}],"aggregationTemporality":2,"isMonotonic":true}},
              {"name":"queue","gauge":{"dataPoints":[{"asDouble":2.5,"timeUnixNano":"1544712660300000000"}]}},
              {"name":"latency","unit":"ms","histogram":{"dataPoints":[{"count":"3","sum":12.0,"bucketCounts":["1","2"],"explicitBounds":[5.0],
               "timeUnixNano":"1544712660300000000"}],"aggregationTemporality":2}}]}]}]}
            """
        let points = try OTLPDecoding.points(Data(body.utf8), encoding: .json)
        #expect(points.map(\.kind) == ["sum", "gauge", "histogram"])
        #expect(points.map(\.value) == [7, 2.5, 12])
        #expect(points[2].count == 3 && points[2].bucketCounts == [1, 2] && points[2].explicitBounds == [5])
    }

    @Test("A body that is not OTLP is an error that says what it is not", arguments: [
        ("not json", OTLPEncoding.json), (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#, .json),
        ("\u{FF}\u{FF}\u{FF}", .protobuf),
    ])
    func refusesOtherBodies(body: String, encoding: OTLPEncoding) {
        #expect(throws: OTLPDecodingError.self) { try OTLPDecoding.spans(Data(body.utf8), encoding: encoding) }
    }
}

@Suite("Telemetry store")
struct TelemetryStoreTests {
    static func span(_ trace: String, _ id: String, parent: String? = nil, resource: String = "api", at start: Double,
                     milliseconds: Double, status: String = "unset", name: String = "op") -> SpanRecord {
        SpanRecord(traceId: trace, spanId: id, parentSpanId: parent, name: name, kind: "internal", resource: resource, scope: "",
                   start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: start + milliseconds / 1000),
                   durationMilliseconds: milliseconds, startUnixMilliseconds: start * 1000,
                   status: status, statusMessage: nil, attributes: [:], events: [])
    }

    @Test("Each resource keeps its newest spans within its limit and counts those it dropped")
    func boundsEachResource() {
        let store = TelemetryStore(limits: .init(spans: 3, logs: 3, points: 3))
        store.add(spans: (1...5).map { Self.span("t\($0)", "s\($0)", at: Double($0), milliseconds: 1) })
        store.add(spans: [Self.span("w", "w1", resource: "web", at: 1, milliseconds: 1)])
        #expect(store.spans(of: "api").map(\.spanId) == ["s3", "s4", "s5"])
        #expect(store.summary().map { [$0.resource: [$0.spans, Int($0.droppedSpans)]] } == [["api": [3, 2]], ["web": [1, 0]]])
    }

    @Test("Traces are listed from their root with the resources they crossed, and filtered")
    func listsTraces() {
        let store = TelemetryStore()
        store.add(spans: [
            Self.span("a", "1", resource: "web", at: 10, milliseconds: 100, name: "send"),
            Self.span("a", "2", parent: "1", resource: "api", at: 10.01, milliseconds: 50, status: "error"),
            Self.span("b", "3", at: 20, milliseconds: 5, name: "health"),
        ])
        let traces = store.traces()
        #expect(traces.map(\.traceId) == ["b", "a"])
        #expect(traces[1].name == "send" && traces[1].resources == ["web", "api"] && traces[1].spanCount == 2 && traces[1].hasError)
        #expect(store.traces(errorsOnly: true).map(\.traceId) == ["a"])
        #expect(store.traces(minimumMilliseconds: 50).map(\.traceId) == ["a"])
        #expect(store.traces(resource: "api", name: "SEND").map(\.traceId) == ["a"])
        #expect(store.trace("a").map(\.spanId) == ["1", "2"])
    }
}

@Suite("OTLP export")
struct OTLPExportTests {
    @Test("Spans encoded as an export request read back the same")
    func roundTrips() throws {
        let spans = try OTLPDecoding.spans(Data(OTLPDecodingTests.traceJSON.utf8), encoding: .json)
        let again = try OTLPDecoding.spans(OTLPExport.traceRequest(spans), encoding: .protobuf)
        #expect(again.map(\.spanId) == spans.map(\.spanId) && again.map(\.attributes) == spans.map(\.attributes))
        #expect(again.map(\.status) == spans.map(\.status) && again.map(\.durationMilliseconds) == spans.map(\.durationMilliseconds))
    }
}
