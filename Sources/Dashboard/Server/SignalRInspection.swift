import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1

/// Where an emulator shows what it holds: its loopback address and its introspection token.
public struct SignalRIntrospection: Sendable {
    /// `http://127.0.0.1:PORT`.
    public var baseURL: String
    /// The emulator's `--introspection-token`.
    public var token: String

    /// Where an emulator answers, and the token its introspection asks for.
    public init(baseURL: String, token: String) {
        self.baseURL = baseURL
        self.token = token
    }
}

/// Passes an emulator's `/_apphost/state`, `/_apphost/events`, `/_apphost/recent` and
/// `/_apphost/send` on to the page and to `apphost mcp`, so neither ever holds the emulator's
/// token and the page never talks across origins.
struct SignalRInspector: Sendable {
    let client: HTTPClient
    let emulators: [String: SignalRIntrospection]
    /// An emulator on loopback answers at once or not at all; the client would retry a refused
    /// connection until the deadline, so it is short.
    static let deadline = TimeAmount.seconds(2)

    /// Hubs, connections and counters of `resource`, as the emulator reports them.
    func state(of resource: String) async -> Response {
        await pass(resource, "/_apphost/state")
    }

    /// The newest `limit` events the emulator kept.
    func recent(of resource: String, limit: Int) async -> Response {
        await pass(resource, "/_apphost/recent?limit=\(limit)")
    }

    /// A message to clients of `resource` (the emulator reads the body).
    func send(to resource: String, body: ByteBuffer) async -> Response {
        await pass(resource, "/_apphost/send", method: .POST, body: body)
    }

    /// One request to the emulator, its answer passed back whole.
    private func pass(_ resource: String, _ path: String, method: HTTPMethod = .GET, body: ByteBuffer? = nil) async -> Response {
        guard let emulator = emulators[resource] else { return unknown(resource) }
        var outgoing = request(emulator, path)
        outgoing.method = method
        if let body { outgoing.body = .bytes(body) }
        do {
            let response = try await client.execute(outgoing, timeout: Self.deadline)
            let body = try await response.body.collect(upTo: 16 << 20)
            return Response(status: .init(code: Int(response.status.code)),
                            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: body))
        } catch {
            return DashboardResponse.text(.badGateway, "the emulator '\(resource)' does not answer (is it running?): \(error)")
        }
    }

    /// The emulator's live feed, passed through as it comes.
    func events(of resource: String) async -> Response {
        guard let emulator = emulators[resource] else { return unknown(resource) }
        let upstream: HTTPClientResponse
        do {
            upstream = try await client.execute(request(emulator, "/_apphost/events"), timeout: Self.deadline)
        } catch {
            return DashboardResponse.text(.badGateway, "the emulator '\(resource)' does not answer (is it running?): \(error)")
        }
        guard upstream.status == .ok else {
            return DashboardResponse.text(.badGateway, "the emulator '\(resource)' refused its event feed (\(upstream.status.code))")
        }
        return Response(status: .ok, headers: DashboardResponse.eventStreamHeaders, body: ResponseBody { writer in
            // Ends when the emulator stops (its feed ends) or the page leaves (the write fails).
            for try await chunk in upstream.body {
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        })
    }

    private func request(_ emulator: SignalRIntrospection, _ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: emulator.baseURL + path)
        request.headers.add(name: "Authorization", value: "Bearer \(emulator.token)")
        return request
    }

    private func unknown(_ resource: String) -> Response {
        DashboardResponse.text(.notFound, "no emulated SignalR resource is called '\(resource)'")
    }
}
