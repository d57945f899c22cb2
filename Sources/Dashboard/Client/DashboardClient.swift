import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Talks to the dashboard server of a running `apphost run`, as `apphost ps`, `apphost logs`
/// and `apphost restart` do: the same routes the page uses, with the token as a bearer.
public struct DashboardClient: Sendable {
    /// Why a call failed.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Nothing answers on the port: that run has ended.
        case unreachable(String)
        /// Something answers, but not to this token: another run took the port.
        case unauthorized
        /// The resource (or route) does not exist; the server's reason.
        case notFound(String)
        /// apphost would not do it now; the server's reason.
        case refused(String)
        /// Any other answer.
        case unexpected(status: Int, body: String)

        /// The reason, for a person.
        public var description: String {
            switch self {
            case .unreachable(let reason): "the dashboard does not answer (\(reason))"
            case .unauthorized: "the dashboard refused the token"
            case .notFound(let reason), .refused(let reason): reason
            case .unexpected(let status, let body): "the dashboard answered \(status): \(body)"
            }
        }
    }

    private let baseURL: String
    private let token: String
    private let client: HTTPClient

    /// How long to wait for an answer's head. A server on loopback answers at once or not at
    /// all; the client would retry a refused connection until then.
    static let deadline = TimeAmount.seconds(5)
    /// How long an action may take: a stop waits out the resource's shutdown timeout (up to an hour).
    static let actionDeadline = TimeAmount.minutes(65)

    /// A client of the dashboard on `port` of 127.0.0.1 that presents `token`.
    public init(port: Int, token: String, client: HTTPClient = .shared) {
        baseURL = "http://127.0.0.1:\(port)"
        self.token = token
        self.client = client
    }

    /// Every resource, in the order apphost.yaml gives them.
    public func resources() async throws(Failure) -> [DashboardResource] {
        try await decoded([DashboardResource].self, from: "/api/resources")
    }

    /// The kept lines of `resource` after line `sequence`.
    public func lines(of resource: String, after sequence: Int = 0) async throws(Failure) -> [DashboardLogLine] {
        try await decoded([DashboardLogLine].self, from: "/api/resources/\(Self.segment(resource))/logs?after=\(sequence)")
    }

    /// Asks apphost to `action` ("start", "stop" or "restart") `resource`; returns once done.
    public func perform(_ action: String, on resource: String) async throws(Failure) {
        _ = try await send("/api/resources/\(Self.segment(resource))/\(action)", method: .POST, deadline: Self.actionDeadline)
    }

    /// What the emulator behind `resource` holds (`/_apphost/state`), as JSON.
    public func signalRState(of resource: String) async throws(Failure) -> Data {
        Data(buffer: try await send("/api/signalr/\(Self.segment(resource))/state", method: .GET))
    }

    /// The newest `limit` events the emulator behind `resource` kept, as JSON.
    public func signalRRecent(of resource: String, limit: Int) async throws(Failure) -> Data {
        Data(buffer: try await send("/api/signalr/\(Self.segment(resource))/recent?limit=\(limit)", method: .GET))
    }

    /// Sends `message` (JSON: hub, target, arguments, and a connection, user or group) to
    /// clients of `resource`; the emulator's answer (`{"recipients": N}`).
    public func sendSignalR(_ message: Data, to resource: String) async throws(Failure) -> Data {
        Data(buffer: try await send("/api/signalr/\(Self.segment(resource))/send", method: .POST, body: ByteBuffer(bytes: message)))
    }

    /// What `/api/telemetry/<route>` answers (JSON), with `query` already encoded.
    public func telemetry(_ route: String, query: String = "") async throws(Failure) -> Data {
        Data(buffer: try await send("/api/telemetry/\(route)" + (query.isEmpty ? "" : "?" + query), method: .GET))
    }

    /// `name` as one path segment.
    private static func segment(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name
    }

    /// Every change from now on, with the lines of `logsOf` (resource names; `["*"]` for all).
    /// Ends when apphost stops; throws if the stream breaks.
    public func updates(logsOf: [String]) async throws(Failure) -> AsyncThrowingStream<DashboardState.Update, Error> {
        let selection = logsOf.joined(separator: ",").addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? ""
        let response = try await open("/api/events?logs=\(selection)", method: .GET)
        let (stream, continuation) = AsyncThrowingStream<DashboardState.Update, Error>.makeStream()
        let reading = Task {
            var parser = EventStreamParser()
            let decoder = Self.decoder
            do {
                for try await chunk in response.body {
                    for event in parser.feed(chunk.readableBytesView) {
                        let data = Data(event.data.utf8)
                        switch event.name {
                        case "resource": continuation.yield(.resource(try decoder.decode(DashboardResource.self, from: data)))
                        case "line": continuation.yield(.line(try decoder.decode(DashboardLogLine.self, from: data)))
                        default: continue
                        }
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reading.cancel() }
        return stream
    }

    private static let decoder = DashboardJSON.decoder()

    private func decoded<Value: Decodable>(_ type: Value.Type, from path: String) async throws(Failure) -> Value {
        let body = try await send(path, method: .GET)
        do {
            return try Self.decoder.decode(type, from: Data(buffer: body))
        } catch {
            throw .unexpected(status: 200, body: "an answer that is not the expected JSON (\(error))")
        }
    }

    /// Sends a request and collects the whole answer.
    private func send(_ path: String, method: HTTPMethod, body: ByteBuffer? = nil, deadline: TimeAmount = deadline) async throws(Failure) -> ByteBuffer {
        let response = try await open(path, method: method, body: body, deadline: deadline)
        do {
            return try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw .unreachable("\(error)")
        }
    }

    /// Sends a request and returns the answer once its head is in and says 200.
    private func open(_ path: String, method: HTTPMethod, body: ByteBuffer? = nil, deadline: TimeAmount = deadline) async throws(Failure) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let body {
            request.body = .bytes(body)
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: deadline)
        } catch {
            throw .unreachable("\(error)")
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
            let reason = body.trimmingCharacters(in: .whitespacesAndNewlines)
            switch response.status.code {
            case 401: throw .unauthorized
            case 404: throw .notFound(reason)
            case 409: throw .refused(reason)
            default: throw .unexpected(status: Int(response.status.code), body: reason)
            }
        }
        return response
    }
}
