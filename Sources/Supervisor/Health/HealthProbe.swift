import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Runs health checks over real connections to loopback.
struct HealthProbe: Sendable {
    /// What one check found.
    enum Outcome: Sendable, Equatable {
        case healthy
        case unhealthy(String)
    }

    let client: HTTPClient
    let timeout: Duration

    /// Runs `check` once.
    func check(_ check: HealthCheck) async -> Outcome {
        switch check {
        case .processStarted:
            return .healthy
        case .tcp(let port):
            return await connect(port: port)
        case .http(let port, let path):
            return await get(port: port, path: path)
        }
    }

    private func get(port: Int, path: String) async -> Outcome {
        let url = "http://localhost:\(port)\(path.hasPrefix("/") ? path : "/" + path)"
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            // Read (and drop) the body so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 << 10)
            guard (200..<300).contains(Int(response.status.code)) else {
                return .unhealthy("\(url) answered \(response.status.code)")
            }
            return .healthy
        } catch {
            return .unhealthy("\(url): \(Self.describe(error))")
        }
    }

    private func connect(port: Int) async -> Outcome {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(timeout))
                .connect(host: "localhost", port: port).get()
            try? await channel.close()
            return .healthy
        } catch {
            return .unhealthy("port \(port): \(Self.describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("onnection refused") || text.contains("connectFailed") { return "connection refused" }
        if text.contains("imeout") || text.contains("deadlineExceeded") { return "no answer in time" }
        return text
    }
}
