import Foundation
import Testing

@testable import Emulator
@testable import Telemetry

/// W3C Trace Context as the emulator reads and writes it, and the OTLP/JSON its exporter writes,
/// read back by the dashboard's decoder.
@Suite("Tracing")
struct TracingTests {
    @Test("A traceparent is read and written as W3C Trace Context has it")
    func readsAndWritesTraceparent() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let context = try #require(TraceContext(traceparent: header))
        #expect(context.traceparent == header && context.sampled)
        let child = context.child()
        #expect(child.traceID == context.traceID && child.spanID != context.spanID)
        #expect(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled == false)
    }

    @Test("A traceparent that is malformed or all zeros is ignored", arguments: [
        "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    ])
    func ignoresBadTraceparents(header: String) {
        #expect(TraceContext(traceparent: header) == nil)
    }

    @Test("The exporter's OTLP/JSON is read back with its ids, kind, times, attributes and status")
    func exportsOTLPJSON() throws {
        let parent = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        let span = FinishedSpan(context: parent.child(), parentSpanID: parent.spanID, name: "send newMessage", kind: .producer,
                                startNanoseconds: 1_700_000_000_000_000_000, endNanoseconds: 1_700_000_000_002_500_000,
                                attributes: [("signalr.recipients", .int(1000)), ("signalr.hub", .string("chat")), ("ratio", .double(0.5))],
                                error: "boom")
        let body = OTLPSpanEncoding.request([span], serviceName: "signalr")
        let record = try #require(try OTLPDecoding.spans(Data(body), encoding: .json).first)
        #expect(record.traceId == "4bf92f3577b34da6a3ce929d0e0e4736" && record.parentSpanId == "00f067aa0ba902b7")
        #expect(record.resource == "signalr" && record.kind == "producer" && record.durationMilliseconds == 2.5)
        #expect(record.attributes == ["signalr.recipients": .int(1000), "signalr.hub": .string("chat"), "ratio": .double(0.5)])
        #expect(record.status == "error" && record.statusMessage == "boom")
    }

    @Test("The standard OTEL_* variables configure the export")
    func readsTheEnvironment() throws {
        let export = try #require(SpanExport(environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318/", "OTEL_EXPORTER_OTLP_HEADERS": "x-otlp-api-key=abc%3D, other=2",
            "OTEL_SERVICE_NAME": "signalr", "OTEL_BSP_SCHEDULE_DELAY": "1000",
        ], defaultServiceName: "emulator"))
        #expect(export.endpoint == "http://localhost:4318" && export.headers == ["x-otlp-api-key": "abc=", "other": "2"])
        #expect(export.serviceName == "signalr" && export.interval == .seconds(1))
        #expect(SpanExport(environment: [:], defaultServiceName: "emulator") == nil)
    }
}
