import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// Where the emulator sends its spans: an OTLP/HTTP endpoint, as the standard `OTEL_*`
/// variables name it (`apphost run` gives the dashboard's).
public struct SpanExport: Sendable, Equatable {
    /// The base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`.
    public var endpoint: String
    /// Headers of every export (`OTEL_EXPORTER_OTLP_HEADERS`: `key=value,key=value`).
    public var headers: [String: String]
    /// The `service.name` of the spans (`OTEL_SERVICE_NAME`).
    public var serviceName: String
    /// How often a batch is sent (`OTEL_BSP_SCHEDULE_DELAY`, in milliseconds; 5 s by default).
    public var interval: Duration

    public init(endpoint: String, headers: [String: String], serviceName: String, interval: Duration = .seconds(5)) {
        self.endpoint = endpoint
        self.headers = headers
        self.serviceName = serviceName
        self.interval = interval
    }

    /// The export the standard variables describe; nil without `OTEL_EXPORTER_OTLP_ENDPOINT`.
    public init?(environment: [String: String], defaultServiceName: String) {
        guard let endpoint = environment["OTEL_EXPORTER_OTLP_ENDPOINT"], !endpoint.isEmpty else { return nil }
        var headers: [String: String] = [:]
        for pair in (environment["OTEL_EXPORTER_OTLP_HEADERS"] ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            headers[name.removingPercentEncoding ?? name] = parts[1].trimmingCharacters(in: .whitespaces).removingPercentEncoding
        }
        let delay = environment["OTEL_BSP_SCHEDULE_DELAY"].flatMap(Int.init).map { Duration.milliseconds(max($0, 10)) } ?? .seconds(5)
        self.init(endpoint: endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint, headers: headers,
                  serviceName: environment["OTEL_SERVICE_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultServiceName, interval: delay)
    }
}

/// Batches the emulator's finished spans and posts them as OTLP/JSON. At most 2,048 wait; more
/// drop the oldest (and count them), so a collector that is down never costs memory or time.
final class SpanExporter: Sendable {
    static let queueLimit = 2048
    let export: SpanExport
    private let queue = Mutex<(spans: [FinishedSpan], dropped: UInt64)>(([], 0))
    private let http: HTTPClient
    private let logger: Logger

    init(export: SpanExport, logger: Logger) {
        self.export = export
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func record(_ span: FinishedSpan) {
        queue.withLock { queue in
            if queue.spans.count >= Self.queueLimit {
                queue.spans.removeFirst()
                queue.dropped += 1
            }
            queue.spans.append(span)
        }
    }

    /// Sends what waits: one POST of everything queued; a failure drops the batch (logged).
    func flush() async {
        let spans = queue.withLock { queue in
            defer { queue.spans.removeAll(keepingCapacity: true) }
            return queue.spans
        }
        guard !spans.isEmpty else { return }
        var request = HTTPClientRequest(url: export.endpoint + "/v1/traces")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in export.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: OTLPSpanEncoding.request(spans, serviceName: export.serviceName)))
        do {
            let response = try await http.execute(request, timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 1 << 16)
            if response.status.code != 200 {
                logger.debug("the OTLP endpoint refused \(spans.count) span(s) with \(response.status.code)")
            }
        } catch {
            logger.debug("the OTLP endpoint did not take \(spans.count) span(s): \(error)")
        }
    }

    func shutdown() async {
        try? await http.shutdown()
    }
}

/// The spans of one export as OTLP/JSON (`ExportTraceServiceRequest`): hex ids, 64-bit times as
/// strings, enums as numbers, as the OTLP specification writes it.
enum OTLPSpanEncoding {
    static func request(_ spans: [FinishedSpan], serviceName: String) -> [UInt8] {
        let resource = HubValue.map([pair("attributes", .array([attribute("service.name", .string(serviceName))]))])
        let scope = HubValue.map([pair("name", .string("apphost.emulator"))])
        let encoded = HubValue.array(spans.map(span))
        let scopeSpans = HubValue.map([pair("scope", scope), pair("spans", encoded)])
        return JSONCodec.encode(.map([pair("resourceSpans", .array([.map([pair("resource", resource), pair("scopeSpans", .array([scopeSpans]))])]))]))
    }

    private static func span(_ span: FinishedSpan) -> HubValue {
        var pairs = [pair("traceId", .string(TraceContext.hex(span.context.traceID))), pair("spanId", .string(TraceContext.hex(span.context.spanID)))]
        if let parent = span.parentSpanID { pairs.append(pair("parentSpanId", .string(TraceContext.hex(parent)))) }
        pairs += [pair("name", .string(span.name)), pair("kind", .int(Int64(span.kind.rawValue))),
                  pair("startTimeUnixNano", .string(String(span.startNanoseconds))), pair("endTimeUnixNano", .string(String(span.endNanoseconds))),
                  pair("attributes", .array(span.attributes.map { attribute($0.0, $0.1) }))]
        if let error = span.error { pairs.append(pair("status", .map([pair("code", .int(2)), pair("message", .string(error))]))) }
        return .map(pairs)
    }

    private static func attribute(_ key: String, _ value: HubValue) -> HubValue {
        let any: HubPair = switch value {
        case .int(let number): pair("intValue", .string(String(number)))
        case .uint(let number): pair("intValue", .string(String(number)))
        case .double(let number): pair("doubleValue", .double(number))
        case .bool(let flag): pair("boolValue", .bool(flag))
        case .string(let text): pair("stringValue", .string(text))
        default: pair("stringValue", .string(String(decoding: JSONCodec.encode(value), as: UTF8.self)))
        }
        return .map([pair("key", .string(key)), pair("value", .map([any]))])
    }

    private static func pair(_ key: String, _ value: HubValue) -> HubPair {
        HubPair(.string(key), value)
    }
}
