import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore

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

/// Passes an emulator's `/_apphost/state` and `/_apphost/events` on to the page, so the page
/// never holds the emulator's token and never talks across origins.
struct SignalRInspector: Sendable {
    let client: HTTPClient
    let emulators: [String: SignalRIntrospection]
    /// An emulator on loopback answers at once or not at all; the client would retry a refused
    /// connection until the deadline, so it is short.
    static let deadline = TimeAmount.seconds(2)

    /// Hubs, connections and counters of `resource`, as the emulator reports them.
    func state(of resource: String) async -> Response {
        guard let emulator = emulators[resource] else { return unknown(resource) }
        do {
            let response = try await client.execute(request(emulator, "/_apphost/state"), timeout: Self.deadline)
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
