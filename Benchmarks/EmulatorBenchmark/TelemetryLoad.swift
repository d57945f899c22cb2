import AsyncHTTPClient
import Emulator
import Foundation
import Logging
import NIOCore
import NIOPosix
import Telemetry

/// The figures of issue 14: how many spans a second apphost's OTLP endpoint takes in, and what
/// the emulator's tracing costs the chat's round trip.
extension EmulatorBenchmark {
    func telemetry(binary: String, http: HTTPClient, group: EventLoopGroup) async throws -> [String] {
        let store = TelemetryStore()
        let port = try LoopbackSocket.freePort()
        let key = "benchmark-otlp-key"
        var logger = Logger(label: "otlp")
        logger.logLevel = .critical
        let receiver = OTLPReceiver(store: store, port: port, apiKey: key, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            let (listening, signal) = AsyncStream<Void>.makeStream()
            tasks.addTask { try await receiver.run(hosts: ["127.0.0.1"]) { signal.yield(); signal.finish() } }
            for await _ in listening { break }
            defer { tasks.cancelAll() }
            var lines: [String] = []
            let json = Self.spanBatch(count: 512)
            let protobuf = OTLPExport.traceRequest(try OTLPDecoding.spans(Data(json), encoding: .json))
            for (name, body, type) in [("protobuf", Array(protobuf), "application/x-protobuf"), ("JSON", json, "application/json")] {
                report("spans/s: batches of 512 spans as OTLP/\(name), 4 at a time, \(duration) s …")
                let accepted = try await postSpans(body: body, contentType: type, port: port, key: key, http: http)
                lines.append(String(format: "OTLP endpoint, %@: %.0f spans/s accepted (batches of 512, %d bytes, 4 concurrent); kept %d, dropped %d so far (bound 10,000 a resource)",
                                    name, accepted, body.count, store.spans().count, store.summary().first?.droppedSpans ?? 0))
            }
            // Alternating, so both see the same machine: off, on, off, on.
            let tracing = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)", "OTEL_EXPORTER_OTLP_HEADERS": "x-otlp-api-key=\(key)",
                           "OTEL_SERVICE_NAME": "signalr", "OTEL_BSP_SCHEDULE_DELAY": "1000"]
            for run in 1...2 {
                report("round trip, tracing off (run \(run)) …")
                let off = try await roundTrip(binary: binary, http: http, group: group, receivers: clients, rate: rate)
                report("round trip, tracing on (run \(run)) …")
                let before = store.spans().count
                let on = try await roundTrip(binary: binary, http: http, group: group, receivers: clients, rate: rate, tracing: tracing)
                lines.append(String(format: "run %d, round trip at %d msg/s to %d clients: tracing off p50 %.2f ms, p99 %.2f ms; on p50 %.2f ms, p99 %.2f ms (%+.0f%% at p50); spans received %d",
                                    run, rate, clients, off.p50, off.p99, on.p50, on.p99, (on.p50 / max(off.p50, 0.001) - 1) * 100,
                                    store.spans().count - before + Int(store.summary().first { $0.resource == "signalr" }?.droppedSpans ?? 0)))
            }
            return lines
        }
    }

    /// Posts span batches for `duration` seconds, four requests in flight; spans accepted a second.
    private func postSpans(body bytes: [UInt8], contentType: String, port: Int, key: String, http: HTTPClient) async throws -> Double {
        let body = ByteBuffer(bytes: bytes)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(duration) * 1_000_000_000
        let started = DispatchTime.now().uptimeNanoseconds
        let batches = try await withThrowingTaskGroup(of: Int.self) { senders in
            for _ in 0..<4 {
                senders.addTask {
                    var sent = 0
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/traces")
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: contentType)
                        request.headers.add(name: "x-otlp-api-key", value: key)
                        request.body = .bytes(body)
                        let response = try await http.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        guard response.status == .ok else { throw BenchmarkError("the OTLP endpoint answered \(response.status)") }
                        sent += 1
                    }
                    return sent
                }
            }
            return try await senders.reduce(0, +)
        }
        return Double(batches * 512) / (Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
    }

    /// One ExportTraceServiceRequest of `count` spans of resource `load`, as an SDK sends them.
    static func spanBatch(count: Int) -> [UInt8] {
        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        let spans = (0..<count).map { index -> String in
            let trace = String(format: "%016x%016x", index / 8 + 1, now)
            return #"{"traceId":"\#(trace)","spanId":"\#(String(format: "%016x", index + 1))","name":"work \#(index % 16)","kind":2,"# +
                #""startTimeUnixNano":"\#(now)","endTimeUnixNano":"\#(now + 1_000_000)","# +
                #""attributes":[{"key":"http.route","value":{"stringValue":"/api/items"}},{"key":"http.status_code","value":{"intValue":"200"}}]}"#
        }
        let text = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"load"}}]},"scopeSpans":[{"spans":["#
            + spans.joined(separator: ",") + "]}]}]}"
        return Array(text.utf8)
    }
}
