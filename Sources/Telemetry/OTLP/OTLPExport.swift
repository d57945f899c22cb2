import Foundation
import SwiftProtobuf

/// Spans back into an OTLP export request (protobuf), as an SDK sends them: for a tool that
/// forwards what apphost received, and for the benchmark that loads the endpoint as SDKs do.
public enum OTLPExport {
    /// An ExportTraceServiceRequest of `spans`, one ResourceSpans per resource.
    public static func traceRequest(_ spans: [SpanRecord]) -> Data {
        var request = Opentelemetry_Proto_Trace_V1_ExportTraceServiceRequest()
        var order: [String] = []
        var byResource: [String: [SpanRecord]] = [:]
        for span in spans {
            if byResource[span.resource] == nil { order.append(span.resource) }
            byResource[span.resource, default: []].append(span)
        }
        request.resourceSpans = order.map { resource in
            var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            resourceSpans.resource.attributes = [keyValue("service.name", .string(resource))]
            var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
            scope.spans = byResource[resource]!.map(span)
            resourceSpans.scopeSpans = [scope]
            return resourceSpans
        }
        return (try? request.serializedData()) ?? Data()
    }

    private static func span(_ record: SpanRecord) -> Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = OTLPJSON.bytes(hex: record.traceId) ?? Data()
        span.spanID = OTLPJSON.bytes(hex: record.spanId) ?? Data()
        if let parent = record.parentSpanId { span.parentSpanID = OTLPJSON.bytes(hex: parent) ?? Data() }
        span.name = record.name
        span.kind = switch record.kind {
        case "server": .server
        case "client": .client
        case "producer": .producer
        case "consumer": .consumer
        default: .internal
        }
        let start = UInt64(record.startUnixMilliseconds * 1_000_000)
        span.startTimeUnixNano = start
        span.endTimeUnixNano = start + UInt64(record.durationMilliseconds * 1_000_000)
        span.attributes = record.attributes.sorted { $0.key < $1.key }.map { keyValue($0.key, $0.value) }
        if record.status != "unset" {
            span.status.code = record.status == "error" ? .error : .ok
            span.status.message = record.statusMessage ?? ""
        }
        return span
    }

    private static func keyValue(_ key: String, _ value: TelemetryValue) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var pair = Opentelemetry_Proto_Common_V1_KeyValue()
        pair.key = key
        pair.value = anyValue(value)
        return pair
    }

    private static func anyValue(_ value: TelemetryValue) -> Opentelemetry_Proto_Common_V1_AnyValue {
        var any = Opentelemetry_Proto_Common_V1_AnyValue()
        switch value {
        case .string(let text): any.stringValue = text
        case .bool(let flag): any.boolValue = flag
        case .int(let number): any.intValue = number
        case .double(let number): any.doubleValue = number
        case .bytes(let base64): any.bytesValue = Data(base64Encoded: base64) ?? Data()
        case .array(let values): any.arrayValue.values = values.map(anyValue)
        case .map(let pairs): any.kvlistValue.values = pairs.sorted { $0.key < $1.key }.map { keyValue($0.key, $0.value) }
        case .empty: break
        }
        return any
    }
}
