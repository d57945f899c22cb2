import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The OTLP/HTTP endpoint of `apphost run`: `POST /v1/traces`, `/v1/logs` and `/v1/metrics`,
/// protobuf or JSON, on a loopback port of its own, each request checked for the run's API key
/// (`x-otlp-api-key`, which projects send through `OTEL_EXPORTER_OTLP_HEADERS`, as Aspire's).
public struct OTLPReceiver: Sendable {
    /// The header the API key travels in.
    public static let apiKeyHeader = "x-otlp-api-key"
    /// The largest body accepted: an SDK's batch is far smaller; a bigger one is refused with 413.
    public static let maximumBodySize = 4 << 20

    public let store: TelemetryStore
    public let port: Int
    private let apiKey: String
    private let logger: Logger

    /// A receiver on `port` of loopback, filling `store`, that answers only requests with `apiKey`.
    public init(store: TelemetryStore, port: Int, apiKey: String, logger: Logger) {
        self.store = store
        self.port = port
        self.apiKey = apiKey
        self.logger = logger
    }

    /// Serves on each of `hosts` until the task is cancelled; `onReady` once all of them listen.
    public func run(hosts: [String], onReady: @escaping @Sendable () -> Void = {}) async throws {
        let listening = ListeningCount(hosts.count, onReady)
        let applications = hosts.map { host in
            Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: nil),
                        onServerRunning: { _ in listening.one() }, logger: logger)
        }
        let group = ServiceGroup(configuration: .init(services: applications.map { .init(service: $0) }, gracefulShutdownSignals: [], logger: logger))
        try await withTaskCancellationHandler {
            try await group.run()
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let store = store
        router.post("/v1/traces") { request, context in
            await receive(request, context: context) { body, encoding throws(OTLPDecodingError) in
                store.add(spans: try OTLPDecoding.spans(body, encoding: encoding))
            }
        }
        router.post("/v1/logs") { request, context in
            await receive(request, context: context) { body, encoding throws(OTLPDecodingError) in
                store.add(logs: try OTLPDecoding.logs(body, encoding: encoding))
            }
        }
        router.post("/v1/metrics") { request, context in
            await receive(request, context: context) { body, encoding throws(OTLPDecodingError) in
                store.add(points: try OTLPDecoding.points(body, encoding: encoding))
            }
        }
        return router
    }

    /// Checks the key, the media type and the size, then hands the body to `accept`; answers as
    /// OTLP/HTTP says: 200 with an empty response message in the request's encoding, 400 for a
    /// body that is not OTLP, 401 without the key, 413 too large, 415 an unknown media type.
    private func receive(_ request: Request, context: BasicRequestContext,
                         accept: (Data, OTLPEncoding) throws(OTLPDecodingError) -> Void) async -> Response {
        let given = request.headers[HTTPField.Name(Self.apiKeyHeader)!] ?? ""
        guard Self.matches(given, apiKey) else {
            return text(.unauthorized, "the \(Self.apiKeyHeader) header is missing or wrong: send the OTEL_EXPORTER_OTLP_HEADERS apphost gives the project")
        }
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let encoding: OTLPEncoding
        switch mediaType {
        case "application/x-protobuf": encoding = .protobuf
        case "application/json": encoding = .json
        default:
            return text(.unsupportedMediaType, "OTLP/HTTP bodies are application/x-protobuf or application/json, not '\(mediaType ?? "")'")
        }
        if let coding = request.headers[.contentEncoding], coding.lowercased() != "identity" {
            return text(.unsupportedMediaType, "Content-Encoding '\(coding)' is not accepted: set OTEL_EXPORTER_OTLP_COMPRESSION=none (loopback needs none)")
        }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: Self.maximumBodySize) } catch {
            return text(.contentTooLarge, "the body is larger than \(Self.maximumBodySize) bytes")
        }
        do {
            try accept(Data(buffer: body), encoding)
        } catch {
            return text(.badRequest, error.description)
        }
        switch encoding {
        case .protobuf: return Response(status: .ok, headers: [.contentType: "application/x-protobuf"])
        case .json: return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
    }

    /// Whether `given` is `expected`, compared without stopping at the first difference.
    static func matches(_ given: String, _ expected: String) -> Bool {
        let given = Array(given.utf8), expected = Array(expected.utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in given.indices { difference |= given[index] ^ expected[index] }
        return difference == 0
    }

    private func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}

/// Calls its action once the last of `count` servers listens.
private final class ListeningCount: Sendable {
    private let remaining: Mutex<Int>
    private let action: @Sendable () -> Void

    init(_ count: Int, _ action: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.action = action
    }

    func one() {
        let last = remaining.withLock { remaining in
            remaining -= 1
            return remaining == 0
        }
        if last { action() }
    }
}
