import Foundation
import SwiftProtobuf

/// The encodings OTLP/HTTP allows.
public enum OTLPEncoding: Sendable {
    /// `application/x-protobuf`: the binary protobuf of the Export…ServiceRequest.
    case protobuf
    /// `application/json`: OTLP/JSON, the protobuf JSON mapping with hex trace and span ids.
    case json
}

/// Why a body is not an OTLP export request.
public struct OTLPDecodingError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Turns OTLP export requests into the records the store keeps.
public enum OTLPDecoding {
    /// The spans of an ExportTraceServiceRequest.
    public static func spans(_ body: Data, encoding: OTLPEncoding) throws(OTLPDecodingError) -> [SpanRecord] {
        let request: Opentelemetry_Proto_Trace_V1_ExportTraceServiceRequest = try decode(body, encoding)
        var records: [SpanRecord] = []
        for resourceSpans in request.resourceSpans {
            let resource = resourceName(resourceSpans.resource)
            for scopeSpans in resourceSpans.scopeSpans {
                for span in scopeSpans.spans {
                    records.append(SpanRecord(
                        traceId: hex(span.traceID), spanId: hex(span.spanID),
                        parentSpanId: span.parentSpanID.isEmpty ? nil : hex(span.parentSpanID),
                        name: span.name, kind: kindName(span.kind), resource: resource, scope: scopeSpans.scope.name,
                        start: date(span.startTimeUnixNano), end: date(span.endTimeUnixNano),
                        durationMilliseconds: Double(span.endTimeUnixNano &- min(span.startTimeUnixNano, span.endTimeUnixNano)) / 1_000_000,
                        startUnixMilliseconds: Double(span.startTimeUnixNano / 1000) / 1000,
                        status: statusName(span.status.code), statusMessage: span.status.message.isEmpty ? nil : span.status.message,
                        attributes: attributes(span.attributes),
                        events: span.events.map { .init(name: $0.name, time: date($0.timeUnixNano), attributes: attributes($0.attributes)) }))
                }
            }
        }
        return records
    }

    /// The log records of an ExportLogsServiceRequest.
    public static func logs(_ body: Data, encoding: OTLPEncoding) throws(OTLPDecodingError) -> [LogRecordEntry] {
        let request: Opentelemetry_Proto_Logs_V1_ExportLogsServiceRequest = try decode(body, encoding)
        var records: [LogRecordEntry] = []
        for resourceLogs in request.resourceLogs {
            let resource = resourceName(resourceLogs.resource)
            for scopeLogs in resourceLogs.scopeLogs {
                for record in scopeLogs.logRecords {
                    let time = record.timeUnixNano != 0 ? record.timeUnixNano : record.observedTimeUnixNano
                    let number = Int(record.severityNumber)
                    records.append(LogRecordEntry(
                        time: date(time), resource: resource, scope: scopeLogs.scope.name, severityNumber: number,
                        severity: severityName(number, text: record.severityText), message: value(record.body).text,
                        attributes: attributes(record.attributes),
                        traceId: record.traceID.isEmpty ? nil : hex(record.traceID), spanId: record.spanID.isEmpty ? nil : hex(record.spanID)))
                }
            }
        }
        return records
    }

    /// The points of an ExportMetricsServiceRequest, one per data point.
    public static func points(_ body: Data, encoding: OTLPEncoding) throws(OTLPDecodingError) -> [MetricPoint] {
        let request: Opentelemetry_Proto_Metrics_V1_ExportMetricsServiceRequest = try decode(body, encoding)
        var points: [MetricPoint] = []
        for resourceMetrics in request.resourceMetrics {
            let resource = resourceName(resourceMetrics.resource)
            for scopeMetrics in resourceMetrics.scopeMetrics {
                for metric in scopeMetrics.metrics {
                    let base = MetricPoint(resource: resource, scope: scopeMetrics.scope.name, name: metric.name, description: metric.description_p,
                                           unit: metric.unit, kind: "", time: Date(timeIntervalSince1970: 0), value: nil, count: nil,
                                           bucketCounts: nil, explicitBounds: nil, attributes: [:])
                    points += metricPoints(metric, base: base)
                }
            }
        }
        return points
    }

    private static func metricPoints(_ metric: Opentelemetry_Proto_Metrics_V1_Metric, base: MetricPoint) -> [MetricPoint] {
        /// `base` at one data point: its kind, time, attributes, value and count.
        func point(_ kind: String, _ time: UInt64, _ attributes: [Opentelemetry_Proto_Common_V1_KeyValue],
                   value: Double?, count: UInt64? = nil) -> MetricPoint {
            var result = base
            result.kind = kind
            result.time = date(time)
            result.attributes = Self.attributes(attributes)
            result.value = value
            result.count = count
            return result
        }
        func number(_ data: Opentelemetry_Proto_Metrics_V1_NumberDataPoint, kind: String) -> MetricPoint {
            let value: Double? = switch data.value {
            case .asDouble(let value): value
            case .asInt(let value): Double(value)
            case nil: nil
            }
            return point(kind, data.timeUnixNano, data.attributes, value: value)
        }
        switch metric.data {
        case .gauge(let gauge): return gauge.dataPoints.map { number($0, kind: "gauge") }
        case .sum(let sum): return sum.dataPoints.map { number($0, kind: "sum") }
        case .histogram(let histogram):
            return histogram.dataPoints.map { data in
                var result = point("histogram", data.timeUnixNano, data.attributes, value: data.hasSum ? data.sum : nil, count: data.count)
                result.bucketCounts = data.bucketCounts
                result.explicitBounds = data.explicitBounds
                return result
            }
        case .exponentialHistogram(let histogram):
            return histogram.dataPoints.map {
                point("exponentialHistogram", $0.timeUnixNano, $0.attributes, value: $0.hasSum ? $0.sum : nil, count: $0.count)
            }
        case .summary(let summary):
            return summary.dataPoints.map { point("summary", $0.timeUnixNano, $0.attributes, value: $0.sum, count: $0.count) }
        case nil:
            return []
        }
    }

    // MARK: Decoding

    private static func decode<Message: SwiftProtobuf.Message>(_ body: Data, _ encoding: OTLPEncoding) throws(OTLPDecodingError) -> Message {
        do {
            switch encoding {
            case .protobuf:
                return try Message(serializedBytes: body)
            case .json:
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true
                return try Message(jsonUTF8Bytes: try OTLPJSON.withBase64IDs(body), options: options)
            }
        } catch let error as OTLPDecodingError {
            throw error
        } catch {
            throw OTLPDecodingError(description: "the body is not an OTLP \(encoding == .json ? "JSON" : "protobuf") \(Message.protoMessageName): \(error)")
        }
    }

    // MARK: Fields

    private static func resourceName(_ resource: Opentelemetry_Proto_Common_V1_Resource) -> String {
        for attribute in resource.attributes where attribute.key == "service.name" {
            let name = value(attribute.value).text
            if !name.isEmpty { return name }
        }
        return "unknown_service"
    }

    static func attributes(_ pairs: [Opentelemetry_Proto_Common_V1_KeyValue]) -> [String: TelemetryValue] {
        var result: [String: TelemetryValue] = [:]
        for pair in pairs { result[pair.key] = value(pair.value) }
        return result
    }

    static func value(_ any: Opentelemetry_Proto_Common_V1_AnyValue) -> TelemetryValue {
        switch any.value {
        case .stringValue(let text): .string(text)
        case .boolValue(let flag): .bool(flag)
        case .intValue(let number): .int(number)
        case .doubleValue(let number): .double(number)
        case .arrayValue(let array): .array(array.values.map(value))
        case .kvlistValue(let list): .map(attributes(list.values))
        case .bytesValue(let bytes): .bytes(bytes.base64EncodedString())
        case nil: .empty
        }
    }

    /// Lowercase hex, as OTLP/JSON and `traceparent` write ids (every span and log record
    /// passes here, so no formatter per byte).
    static func hex(_ bytes: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func date(_ nanoseconds: UInt64) -> Date {
        Date(timeIntervalSince1970: Double(nanoseconds) / 1_000_000_000)
    }

    private static func kindName(_ kind: Opentelemetry_Proto_Trace_V1_Span.SpanKind) -> String {
        switch kind {
        case .server: "server"
        case .client: "client"
        case .producer: "producer"
        case .consumer: "consumer"
        default: "internal"
        }
    }

    private static func statusName(_ code: Opentelemetry_Proto_Trace_V1_Status.StatusCode) -> String {
        switch code {
        case .ok: "ok"
        case .error: "error"
        default: "unset"
        }
    }

    /// The level of a SeverityNumber (OTLP's ranges: 1–4 trace … 21–24 fatal); the sender's
    /// text when the number is unspecified.
    static func severityName(_ number: Int, text: String) -> String {
        switch number {
        case 1...4: "trace"
        case 5...8: "debug"
        case 9...12: "info"
        case 13...16: "warn"
        case 17...20: "error"
        case 21...24: "fatal"
        default: text.isEmpty ? "unspecified" : text.lowercased()
        }
    }
}

/// OTLP/JSON's one departure from the protobuf JSON mapping: trace and span ids are hex, not
/// base64. They are turned into base64 before the mapping reads them.
enum OTLPJSON {
    static let idKeys: Set<String> = ["traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"]

    static func withBase64IDs(_ body: Data) throws(OTLPDecodingError) -> Data {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: body) } catch {
            throw OTLPDecodingError(description: "the body is not JSON: \(error.localizedDescription)")
        }
        let converted = try convert(object)
        do { return try JSONSerialization.data(withJSONObject: converted) } catch {
            throw OTLPDecodingError(description: "the body cannot be read as OTLP/JSON: \(error.localizedDescription)")
        }
    }

    private static func convert(_ value: Any) throws(OTLPDecodingError) -> Any {
        if let dictionary = value as? [String: Any] {
            var result: [String: Any] = [:]
            for (key, item) in dictionary {
                if idKeys.contains(key), let text = item as? String {
                    guard let bytes = bytes(hex: text) else {
                        throw OTLPDecodingError(description: "'\(key)' must be hex digits, as OTLP/JSON writes ids, not '\(text.prefix(40))'")
                    }
                    result[key] = bytes.base64EncodedString()
                } else {
                    result[key] = try convert(item)
                }
            }
            return result
        }
        if let array = value as? [Any] {
            var result: [Any] = []
            for item in array { result.append(try convert(item)) }
            return result
        }
        return value
    }

    static func bytes(hex: String) -> Data? {
        guard hex.count % 2 == 0 else { return nil }
        var data = Data(capacity: hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data
    }
}
