import ArgumentParser
import AsyncHTTPClient
import Emulator
import Foundation
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization

/// Measures `apphost emulator` on loopback, and the aiosignalr server in the same run:
/// broadcast fan-out, send-to-user throughput, memory per idle connection, cold start and the
/// round trip through the upstream.
@main
struct EmulatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator-benchmark",
        abstract: "Load-test the SignalR emulator and compare its broadcast fan-out with aiosignalr's.",
        discussion: "Build in release first: swift build -c release. Prints figures for BENCHMARKS.md.")

    @Option(help: "The apphost executable (default: beside this one).")
    var apphost: String?

    @Option(help: "The Python with aiosignalr installed (scripts/test makes .build/test-venv).")
    var python = ".build/test-venv/bin/python"

    @Option(help: "Clients receiving the broadcasts.")
    var clients = 1000

    @Option(help: "Bytes of payload per message.")
    var messageSize = 2048

    @Option(help: "Seconds each throughput phase runs.")
    var duration = 10

    @Option(help: "Broadcasts in flight at once (closed loop: a new one leaves when an old one arrived).")
    var window = 8

    @Option(help: "Idle connections for the memory measurement (0 skips it).")
    var idle = 50000

    @Flag(help: "Skip the aiosignalr comparison.")
    var skipPeer = false

    /// What a run measures.
    enum Phase: String, ExpressibleByArgument, CaseIterable {
        case fanout, idle, coldstart, roundtrip, appserver, telemetry
    }

    @Option(name: .customLong("only"), help: "Measure only this (repeat for several): fanout (with send-to-user), idle, coldstart, roundtrip, appserver (a broadcast from an app server's connection beside the same through REST), telemetry (spans/s the OTLP endpoint accepts; the round trip with the emulator's tracing off and on). Default: fanout and idle.")
    var phases: [Phase] = []

    @Option(help: "Messages a second of the round trip (open loop).")
    var rate = 1000

    @Option(help: "Spawns of each server for the cold start.")
    var runs = 20

    /// Stops the servers this run starts, however the run ends.
    let reaper = ChildReaper()

    private enum CodingKeys: String, CodingKey {
        case apphost, python, clients, messageSize, duration, window, idle, skipPeer, phases, rate, runs
    }

    func run() async throws {
        let limit = raiseFileLimit(to: 400_000)
        let binary = apphost ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("apphost").path
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let http = HTTPClient(eventLoopGroupProvider: .shared(group))
        report("machine: \(ProcessInfo.processInfo.processorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; open files \(limit)")
        report("clients \(clients), payload \(messageSize) B, \(duration) s a phase, window \(window)")

        let phases = Set(self.phases.isEmpty ? [.fanout, .idle] : self.phases)
        var summary: [String] = []
        if phases.contains(.coldstart) {
            report("cold start: \(runs) spawns of each server …")
            let (emulatorTimes, peerTimes) = try await coldStart(binary: binary, group: group, runs: runs)
            summary.append(Self.describe("emulator cold start (spawn to first 200 from /api/health)", emulatorTimes))
            if !peerTimes.isEmpty {
                summary.append(Self.describe("aiosignalr cold start (spawn to first 200 from negotiate)", peerTimes))
                summary.append(String(format: "ratio aiosignalr / emulator (median): %.1fx", Self.median(peerTimes) / max(Self.median(emulatorTimes), 0.001)))
            }
        }
        if phases.contains(.roundtrip) {
            report("round trip: \(rate) messages/s to \(clients) clients through the upstream and the REST API …")
            let trip = try await roundTrip(binary: binary, http: http, group: group, receivers: clients, rate: rate)
            summary.append(String(format: "emulator round trip (invocation -> upstream -> REST broadcast -> client), %d msg/s, %d clients: p50 %.2f ms, p99 %.2f ms (%d samples)",
                                  rate, clients, trip.p50, trip.p99, trip.samples))
            if !skipPeer {
                report("round trip through aiosignalr (a hub method that broadcasts) …")
                let peerTrip = try await roundTripThroughPeer(http: http, group: group, receivers: clients, rate: rate)
                summary.append(String(format: "aiosignalr round trip (invocation -> hub method -> broadcast -> client): p50 %.2f ms, p99 %.2f ms (%d samples)",
                                      peerTrip.p50, peerTrip.p99, peerTrip.samples))
            }
        }
        if phases.contains(.fanout) {
            let (emulator, server) = try EmulatorUnderTest.start(binary: binary, reaper: reaper)
            let fanOut = try await broadcast(to: emulator, http: http, group: group)
            let lone = try await loneBroadcasts(to: emulator, http: http, group: group)
            let users = try await sendToUsers(emulator: emulator, http: http, group: group)
            server.stop()
            summary.append(String(format: "emulator broadcast: %.0f deliveries/s, p50 %.1f ms, p99 %.1f ms (%d samples)", fanOut.rate, fanOut.p50, fanOut.p99, fanOut.samples))
            summary.append(String(format: "emulator lone broadcasts (one every 50 ms): p50 %.2f ms, p99 %.2f ms (%d samples)", lone.p50, lone.p99, lone.samples))
            summary.append(String(format: "emulator send-to-user: %.0f requests/s, %.0f deliveries/s", users.requests, users.deliveries))
            if !skipPeer {
                let peer = try await broadcastThroughPeer(group: group, http: http)
                summary.append(String(format: "aiosignalr broadcast: %.0f deliveries/s, p50 %.1f ms, p99 %.1f ms", peer.rate, peer.p50, peer.p99))
                summary.append(String(format: "ratio emulator / aiosignalr: %.1fx", fanOut.rate / max(peer.rate, 1)))
            }
        }
        if phases.contains(.appserver) {
            let (emulator, server) = try EmulatorUnderTest.start(binary: binary, reaper: reaper)
            // Alternating, so both see the same machine: REST, app server, REST, app server.
            var rest: [FanOut] = [], fromServer: [FanOut] = []
            for _ in 0..<2 {
                rest.append(try await broadcast(to: emulator, http: http, group: group))
                fromServer.append(try await broadcastFromAppServer(to: emulator, group: group))
            }
            server.stop()
            for (index, (viaREST, viaServer)) in zip(rest, fromServer).enumerated() {
                summary.append(String(format: "run %d: app server BroadcastData: %.0f deliveries/s (p50 %.1f ms, p99 %.1f ms); REST broadcast: %.0f deliveries/s (p50 %.1f ms, p99 %.1f ms); ratio %.2fx",
                                      index + 1, viaServer.rate, viaServer.p50, viaServer.p99, viaREST.rate, viaREST.p50, viaREST.p99,
                                      viaServer.rate / max(viaREST.rate, 1)))
            }
        }
        if phases.contains(.telemetry) {
            summary += try await telemetry(binary: binary, http: http, group: group)
        }
        if phases.contains(.idle), idle > 0 {
            try await idleConnections(binary: binary, http: http, group: group)
        }
        report("")
        for line in summary { report(line) }
        try await http.shutdown()
        try await group.shutdownGracefully()
    }

    struct FanOut {
        var rate: Double
        var p50: Double
        var p99: Double
        var samples: Int
    }

    /// The emulator with a known key, and REST tokens per path.
    struct EmulatorUnderTest: Sendable {
        let port: Int
        let key = "benchmark-access-key-benchmark-access-key-benchmark-access-key!"

        /// Starts `apphost emulator` and returns it with its process.
        static func start(binary: String, reaper: ChildReaper) throws -> (EmulatorUnderTest, ServerProcess) {
            let emulator = EmulatorUnderTest(port: try LoopbackSocket.freePort())
            let server = try ServerProcess(binary, ["emulator", "--port", String(emulator.port), "--host", "127.0.0.1", "--access-key", emulator.key],
                                           reaper: reaper)
            return (emulator, server)
        }

        func token(audience: String) -> String {
            AccessTokenValidator.sign(claims: ["aud": .string(audience), "exp": .int(Int64(Date().timeIntervalSince1970) + 3600)], accessKey: key)
        }

        var clientPath: String {
            "/client/?hub=bench&access_token=\(token(audience: "http://localhost:\(port)/client/?hub=bench"))"
        }

        func clientPath(forUser user: String) -> String {
            let claims: [String: HubValue] = ["aud": .string("http://localhost:\(port)/client/?hub=bench"),
                                              "exp": .int(Int64(Date().timeIntervalSince1970) + 3600), "asrs.s.uid": .string(user)]
            return "/client/?hub=bench&access_token=\(AccessTokenValidator.sign(claims: claims, accessKey: key))"
        }

        func post(_ path: String, body: ByteBuffer, http: HTTPClient, traceparent: String? = nil) async throws {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token(audience: "http://localhost:\(port)\(path)"))")
            request.headers.add(name: "Content-Type", value: "application/json")
            if let traceparent { request.headers.add(name: "traceparent", value: traceparent) }
            request.body = .bytes(body)
            let response = try await http.execute(request, timeout: .seconds(30))
            guard response.status == .accepted else { throw BenchmarkError("REST answered \(response.status)") }
        }
    }

    /// The local address of client `index`: 1000 clients per 127.0.0.x. Fewer addresses would
    /// fit in the ephemeral port range too, but the kernel's search for a free port on bind
    /// slows down as an address's ports fill up (19,000 clients on one address took 28 s to
    /// connect instead of 4.3).
    static func source(_ index: Int) -> String { "127.0.0.\(2 + index / 1000)" }

    func payload() -> String { String(repeating: "x", count: messageSize) }

    /// Connects `count` clients with `path(index)`, 256 at a time.
    func connectClients(count: Int, port: Int, stats: Stats, group: EventLoopGroup, path: @escaping @Sendable (Int) async throws -> String) async throws -> [Channel] {
        var channels: [Channel] = []
        channels.reserveCapacity(count)
        var next = 0
        while next < count {
            let batch = next..<min(count, next + 256)
            try await withThrowingTaskGroup(of: Channel.self) { tasks in
                for index in batch {
                    tasks.addTask {
                        try await LoadClient.connect(.init(host: "127.0.0.1", port: port, path: try await path(index), sourceAddress: Self.source(index)),
                                                     group: group, stats: stats, samples: index == 0)
                    }
                }
                for try await channel in tasks { channels.append(channel) }
            }
            next = batch.upperBound
        }
        return channels
    }

    /// Runs a closed-loop fan-out: `send(sequence)` is called while fewer than `window` messages
    /// are unseen by the sampling client; returns deliveries per second and latency.
    func closedLoop(stats: Stats, receivers: Int, send: @escaping @Sendable (Int) async throws -> Void) async throws -> FanOut {
        let sequence = SequenceCounter()
        let started = DispatchTime.now().uptimeNanoseconds
        let deadline = started + UInt64(duration) * 1_000_000_000
        let window = self.window
        try await withThrowingTaskGroup(of: Void.self) { workers in
            for _ in 0..<window {
                workers.addTask {
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        let number = sequence.next()
                        while number - stats.highestSeen.load(ordering: .relaxed) > window {
                            try await Task.sleep(for: .microseconds(100))
                        }
                        stats.sent(number)
                        try await send(number)
                    }
                }
            }
            try await workers.waitForAll()
        }
        let expected = sequence.count * receivers
        let settle = DispatchTime.now().uptimeNanoseconds + 10_000_000_000
        while stats.deliveries.load(ordering: .relaxed) < expected, DispatchTime.now().uptimeNanoseconds < settle {
            try await Task.sleep(for: .milliseconds(1))
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let (p50, p99, samples) = stats.percentiles()
        let delivered = stats.deliveries.load(ordering: .relaxed)
        report("  \(sequence.count) messages, \(delivered) of \(expected) deliveries in \(String(format: "%.1f", elapsed)) s")
        return FanOut(rate: Double(delivered) / elapsed, p50: p50, p99: p99, samples: samples)
    }

    func broadcast(to emulator: EmulatorUnderTest, http: HTTPClient, group: EventLoopGroup) async throws -> FanOut {
        report("emulator: connecting \(clients) clients …")
        let stats = Stats()
        let channels = try await connectClients(count: clients, port: emulator.port, stats: stats, group: group) { _ in emulator.clientPath }
        report("emulator: broadcasting (REST POST /api/v1/hubs/bench) …")
        let text = payload()
        let result = try await closedLoop(stats: stats, receivers: clients) { number in
            try await emulator.post("/api/v1/hubs/bench", body: ByteBuffer(string: #"{"target":"bench","arguments":[\#(number),"\#(text)"]}"#), http: http)
        }
        for channel in channels { try? await channel.close() }
        return result
    }

    /// The same fan-out as `broadcast`, sent by an app server's connection as BroadcastData (the
    /// JSON payload its hub would encode) instead of through the REST API.
    func broadcastFromAppServer(to emulator: EmulatorUnderTest, group: EventLoopGroup) async throws -> FanOut {
        report("emulator: connecting \(clients) clients …")
        let stats = Stats()
        let channels = try await connectClients(count: clients, port: emulator.port, stats: stats, group: group) { _ in emulator.clientPath }
        let token = emulator.token(audience: "http://localhost/server/?hub=bench")
        let server = try await AppServerLoad.connect(host: "127.0.0.1", port: emulator.port, hub: "bench", token: token, group: group)
        report("emulator: broadcasting from an app server's connection (BroadcastData) …")
        let text = payload()
        let result = try await closedLoop(stats: stats, receivers: clients) { number in
            let payload = Array(#"{"type":1,"target":"bench","arguments":[\#(number),"\#(text)"]}"#.utf8) + [0x1E]
            try await AppServerLoad.send(.broadcastData(excluded: [], payloads: [ServicePayload("json", payload)], .none), on: server)
        }
        try? await server.close()
        for channel in channels { try? await channel.close() }
        return result
    }

    /// Latency of broadcasts far apart (one every 50 ms, open loop): what a message costs when
    /// nothing else is going on, which flush coalescing must not delay.
    func loneBroadcasts(to emulator: EmulatorUnderTest, http: HTTPClient, group: EventLoopGroup) async throws -> (p50: Double, p99: Double, samples: Int) {
        report("emulator: lone broadcasts …")
        let stats = Stats()
        let channels = try await connectClients(count: clients, port: emulator.port, stats: stats, group: group) { _ in emulator.clientPath }
        let text = payload()
        for number in 0..<100 {
            stats.sent(number)
            try await emulator.post("/api/v1/hubs/bench", body: ByteBuffer(string: #"{"target":"bench","arguments":[\#(number),"\#(text)"]}"#), http: http)
            try await Task.sleep(for: .milliseconds(50))
        }
        for channel in channels { try? await channel.close() }
        return stats.percentiles()
    }

    func sendToUsers(emulator: EmulatorUnderTest, http: HTTPClient, group: EventLoopGroup) async throws -> (requests: Double, deliveries: Double) {
        report("emulator: send-to-user with \(clients) users …")
        let stats = Stats()
        let channels = try await connectClients(count: clients, port: emulator.port, stats: stats, group: group) { index in emulator.clientPath(forUser: "u\(index)") }
        let text = payload()
        let sequence = SequenceCounter()
        let started = DispatchTime.now().uptimeNanoseconds
        let deadline = started + UInt64(duration) * 1_000_000_000
        let clients = self.clients
        try await withThrowingTaskGroup(of: Void.self) { workers in
            for _ in 0..<16 {
                workers.addTask {
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        let number = sequence.next()
                        try await emulator.post("/api/v1/hubs/bench/users/u\(number % clients)",
                                                body: ByteBuffer(string: #"{"target":"bench","arguments":[\#(number),"\#(text)"]}"#), http: http)
                    }
                }
            }
            try await workers.waitForAll()
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        for channel in channels { try? await channel.close() }
        return (Double(sequence.count) / elapsed, Double(stats.deliveries.load(ordering: .relaxed)) / elapsed)
    }

    /// The aiosignalr server the emulator is compared with.
    static var peerScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("peers/aiosignalr_broadcast_server.py").path
    }

    /// A connection path on the aiosignalr server: negotiated, with its token.
    func peerPath(port: Int, http: HTTPClient) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/hub/negotiate?negotiateVersion=1")
        request.method = .POST
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], let token = json["connectionToken"] as? String else {
            throw BenchmarkError("aiosignalr negotiate failed")
        }
        return "/hub?id=\(token)"
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func describe(_ name: String, _ times: [Double]) -> String {
        String(format: "%@: median %.1f ms, best %.1f ms, worst %.1f ms (%d runs)", name, median(times), times.min() ?? 0, times.max() ?? 0, times.count)
    }

    func broadcastThroughPeer(group: EventLoopGroup, http: HTTPClient) async throws -> FanOut {
        let port = try LoopbackSocket.freePort()
        let peer = try ServerProcess(python, [Self.peerScript, String(port)], reaper: reaper)
        // aiohttp's graceful stop waits up to a minute for open sockets; the peer is not under test.
        defer { peer.stop(signal: SIGKILL) }
        report("aiosignalr: connecting \(clients) clients …")
        let stats = Stats()
        let negotiate: @Sendable (Int) async throws -> String = { _ in try await peerPath(port: port, http: http) }
        let channels = try await connectClients(count: clients, port: port, stats: stats, group: group, path: negotiate)
        let driverStats = Stats()
        let driver = try await LoadClient.connect(.init(host: "127.0.0.1", port: port, path: try await negotiate(0), sourceAddress: "127.0.0.1"),
                                                  group: group, stats: driverStats, samples: false)
        report("aiosignalr: broadcasting (hub method that sends to all) …")
        let text = payload()
        let result = try await closedLoop(stats: stats, receivers: clients) { number in
            var frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: #"{"type":1,"target":"broadcast","arguments":[\#(number),"\#(text)"]}"# + "\u{1E}"))
            frame.maskKey = WebSocketMaskingKey.random()
            try await driver.writeAndFlush(frame)
        }
        for channel in channels + [driver] { try? await channel.close() }
        return result
    }

    func idleConnections(binary: String, http: HTTPClient, group: EventLoopGroup) async throws {
        let (emulator, server) = try EmulatorUnderTest.start(binary: binary, reaper: reaper)
        defer { server.stop() }
        let before = server.residentBytes
        report("emulator: opening \(idle) idle connections …")
        let stats = Stats()
        let started = Date()
        let channels = try await connectClients(count: idle, port: emulator.port, stats: stats, group: group) { _ in emulator.clientPath }
        let opened = Date().timeIntervalSince(started)
        let after = server.residentBytes
        // Prove they are all alive: one broadcast must reach every one.
        try await emulator.post("/api/v1/hubs/bench", body: ByteBuffer(string: #"{"target":"bench","arguments":[0,"alive"]}"#), http: http)
        let settle = Date().addingTimeInterval(30)
        while stats.deliveries.load(ordering: .relaxed) < idle, Date() < settle { try await Task.sleep(for: .milliseconds(10)) }
        report(String(format: "emulator idle: %d connections opened in %.1f s, all alive: %@; resident %.1f MB -> %.1f MB = %.1f KB per connection",
                     channels.count, opened, stats.deliveries.load(ordering: .relaxed) == idle ? "yes" : "NO (\(stats.deliveries.load(ordering: .relaxed)))",
                     Double(before) / 1e6, Double(after) / 1e6, Double(after - before) / Double(max(idle, 1)) / 1024))
        for channel in channels { try? await channel.close() }
    }
}

/// Hands out increasing sequence numbers to concurrent workers.
final class SequenceCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
    var count: Int { value.load(ordering: .relaxed) }
}
