import AsyncHTTPClient
import Emulator
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import NIOWebSocket

/// The two latency figures of issue 10, each beside aiosignalr's server in the same run: how
/// soon a freshly spawned server answers, and how long a client's message takes to reach every
/// client through the whole serverless path.
extension EmulatorBenchmark {
    /// Spawn of the server to its first successful answer: `GET /api/health` (200) for the
    /// emulator, `POST /hub/negotiate` (200) for aiosignalr, polled every 0.2 ms. `runs` each.
    func coldStart(binary: String, group: EventLoopGroup, runs: Int) async throws -> (emulator: [Double], peer: [Double]) {
        // A refused connection must come back at once: by default the client retries with a
        // back-off, which would be measured instead of the server.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.idleTimeout = .milliseconds(1)
        configuration.timeout.connect = .milliseconds(200)
        let http = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        do {
            let times = try await spawnAndProbe(binary: binary, http: http, runs: runs)
            try await http.shutdown()
            return times
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func spawnAndProbe(binary: String, http: HTTPClient, runs: Int) async throws -> (emulator: [Double], peer: [Double]) {
        func measure(_ executable: String, _ arguments: (Int) -> [String], probe: @escaping (Int) -> HTTPClientRequest) async throws -> Double {
            let port = try LoopbackSocket.freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments(port)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let started = DispatchTime.now().uptimeNanoseconds
            try process.run()
            reaper.adopt(process.processIdentifier)
            defer {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                reaper.release(process.processIdentifier)
            }
            let deadline = started + 30_000_000_000
            while DispatchTime.now().uptimeNanoseconds < deadline {
                if let response = try? await http.execute(probe(port), timeout: .seconds(1)), response.status == .ok {
                    return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                }
                try await Task.sleep(for: .microseconds(200))
            }
            throw BenchmarkError("\(executable) did not answer within 30 s")
        }
        var emulatorTimes: [Double] = [], peerTimes: [Double] = []
        for _ in 0..<runs {
            emulatorTimes.append(try await measure(binary, { ["emulator", "--port", String($0), "--host", "127.0.0.1"] }) { port in
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/health")
            })
            if !skipPeer {
                peerTimes.append(try await measure(python, { [Self.peerScript, String($0)] }) { port in
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/hub/negotiate?negotiateVersion=1")
                    request.method = .POST
                    return request
                })
            }
        }
        return (emulatorTimes, peerTimes)
    }

    /// Client invocation → upstream → REST broadcast → every client, at `rate` messages a second
    /// (open loop) with `receivers` clients: the latency from the invocation leaving the sender to
    /// its arrival at a sampling client. The upstream is an app in this process that broadcasts
    /// what it receives through the REST API before it answers, as a serverless app does.
    ///
    /// With `tracing` (the `OTEL_*` variables of an OTLP endpoint) the emulator records and
    /// exports its spans, and the app passes the `traceparent` it receives on to its REST call,
    /// as the chat template does.
    func roundTrip(binary: String, http: HTTPClient, group: EventLoopGroup, receivers: Int, rate: Int,
                   tracing: [String: String] = [:]) async throws -> FanOut {
        let upstreamPort = try LoopbackSocket.freePort()
        let emulator = EmulatorUnderTest(port: try LoopbackSocket.freePort())
        let server = try ServerProcess(binary, ["emulator", "--port", String(emulator.port), "--host", "127.0.0.1", "--access-key", emulator.key,
                                                "--upstream", "http://127.0.0.1:\(upstreamPort)/upstream/{hub}/{category}/{event}"],
                                       environment: tracing, reaper: reaper)
        defer { server.stop() }
        let router = Router()
        router.post("/upstream/{hub}/messages/{event}") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let invocation = try JSONSerialization.jsonObject(with: Data(buffer: body).filter { $0 != 0x1E }) as? [String: Any],
                  let arguments = invocation["arguments"] else { return Response(status: .badRequest) }
            let broadcast = try JSONSerialization.data(withJSONObject: ["target": "bench", "arguments": arguments])
            try await emulator.post("/api/v1/hubs/bench", body: ByteBuffer(data: broadcast), http: http,
                                    traceparent: request.headers[HTTPField.Name("traceparent")!])
            return Response(status: .ok)
        }
        router.post("/upstream/{hub}/connections/{event}") { _, _ in Response(status: .ok) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: upstreamPort)), logger: .init(label: "upstream"))
        return try await withThrowingTaskGroup(of: FanOut?.self) { tasks in
            tasks.addTask {
                try await app.runService()
                return nil
            }
            let result = try await measureRoundTrip(receivers: receivers, rate: rate, group: group, target: "bench",
                                                    connect: { _ in (emulator.port, emulator.clientPath) })
            // The emulator ends first: it tells the upstream of every client that left, and a
            // connection reaching the app while it is being cancelled would crash it.
            server.stop()
            tasks.cancelAll()
            return result
        }
    }

    /// The same path through aiosignalr: its hub method broadcasts what a client invokes.
    func roundTripThroughPeer(http: HTTPClient, group: EventLoopGroup, receivers: Int, rate: Int) async throws -> FanOut {
        let port = try LoopbackSocket.freePort()
        let peer = try ServerProcess(python, [Self.peerScript, String(port)], reaper: reaper)
        defer { peer.stop(signal: SIGKILL) }
        return try await measureRoundTrip(receivers: receivers, rate: rate, group: group, target: "broadcast") { _ in
            (port, try await peerPath(port: port, http: http))
        }
    }

    /// Connects `receivers` clients, then sends `rate` invocations a second of `target` for
    /// `duration` seconds, each carrying its sequence number, from the clients in turn (a
    /// server handles one client's invocations one after another, so one sender would measure
    /// its upstream's round trip time, not the path's latency under load).
    private func measureRoundTrip(receivers: Int, rate: Int, group: EventLoopGroup, target: String,
                                  connect: @escaping @Sendable (Int) async throws -> (Int, String)) async throws -> FanOut {
        let stats = Stats()
        let port = try await connect(0).0
        let channels = try await connectClients(count: receivers, port: port, stats: stats, group: group) { index in try await connect(index).1 }
        let text = payload()
        let interval = 1_000_000_000 / UInt64(rate)
        let started = DispatchTime.now().uptimeNanoseconds
        let total = rate * duration
        for number in 0..<total {
            let due = started + UInt64(number) * interval
            let now = DispatchTime.now().uptimeNanoseconds
            if due > now { try await Task.sleep(for: .nanoseconds(Int(due - now))) }
            var frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: #"{"type":1,"target":"\#(target)","arguments":[\#(number),"\#(text)"]}"# + "\u{1E}"))
            frame.maskKey = WebSocketMaskingKey.random()
            stats.sent(number)
            channels[number % channels.count].writeAndFlush(frame, promise: nil)
        }
        let expected = total * receivers
        let settle = DispatchTime.now().uptimeNanoseconds + 10_000_000_000
        while stats.deliveries.load(ordering: .relaxed) < expected, DispatchTime.now().uptimeNanoseconds < settle {
            try await Task.sleep(for: .milliseconds(1))
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let (p50, p99, samples) = stats.percentiles()
        report("  \(total) messages, \(stats.deliveries.load(ordering: .relaxed)) of \(expected) deliveries in \(String(format: "%.1f", elapsed)) s")
        for channel in channels { try? await channel.close() }
        return FanOut(rate: Double(stats.deliveries.load(ordering: .relaxed)) / elapsed, p50: p50, p99: p99, samples: samples)
    }
}
