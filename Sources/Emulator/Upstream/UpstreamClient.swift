import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Posts client events to upstream URLs, as the service does in Serverless mode.
final class UpstreamClient: Sendable {
    /// What an upstream answered.
    enum Outcome: Sendable {
        /// An HTTP response, with its `Content-Type`.
        case response(status: Int, body: [UInt8], contentType: String?)
        /// No response: refused, timed out, or a bad URL.
        case failed(String)
    }

    private let http: HTTPClient
    private let accessKey: String
    private let timeout: Duration
    private let logger: Logger
    /// Tokens of the emulator's own managed identity, for upstreams with `auth: ManagedIdentity`.
    private let tokens: ManagedIdentityTokens?

    init(accessKey: String, timeout: Duration, identity: ManagedIdentityEndpoint?, logger: Logger) {
        // Upstreams are local apps: a refused connection is an answer (the app is down), so it
        // fails at once instead of being retried until the request times out.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        configuration.timeout.connect = .seconds(2)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.http = http
        self.tokens = identity.map { ManagedIdentityTokens(endpoint: $0, http: http) }
        self.accessKey = accessKey
        self.timeout = timeout
        self.logger = logger
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// `sha256=<hex HMAC-SHA256(key: access key, data: connection id)>`.
    static func signature(connectionID: String, accessKey: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(connectionID.utf8), using: SymmetricKey(data: Data(accessKey.utf8)))
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in code {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return "sha256=" + String(decoding: hex, as: UTF8.self)
    }

    /// Posts one event for `connection`.
    func post(url: String, connection: ClientConnection, category: UpstreamRule.Category, event: String,
              body: [UInt8], contentType: String, tokenResource: String? = nil, traceparent: String? = nil) async -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "X-ASRS-Connection-Id", value: connection.id)
        request.headers.add(name: "X-ASRS-Hub", value: connection.hub)
        request.headers.add(name: "X-ASRS-Category", value: category.rawValue)
        request.headers.add(name: "X-ASRS-Event", value: event)
        if let user = connection.userID { request.headers.add(name: "X-ASRS-User-Id", value: user) }
        let claims = connection.claims.userClaims.map { "\($0.type): \($0.value)" }.joined(separator: ", ")
        if !claims.isEmpty { request.headers.add(name: "X-ASRS-User-Claims", value: claims) }
        if !connection.clientQuery.isEmpty { request.headers.add(name: "X-ASRS-Client-Query", value: connection.clientQuery) }
        request.headers.add(name: "X-ASRS-Signature", value: Self.signature(connectionID: connection.id, accessKey: accessKey))
        if let traceparent { request.headers.add(name: "traceparent", value: traceparent) }
        request.body = .bytes(ByteBuffer(bytes: body))
        if let tokenResource {
            guard let tokens else {
                return .failed("the upstream's auth is ManagedIdentity, but this emulator has no managed identity (IDENTITY_ENDPOINT and IDENTITY_HEADER; apphost run gives it one)")
            }
            switch await tokens.token(for: tokenResource) {
            case .success(let token): request.headers.add(name: "Authorization", value: "Bearer \(token)")
            case .failure(let failure): return .failed("no managed-identity token for the upstream's resource '\(tokenResource)': \(failure.reason)")
            }
        }
        do {
            let response = try await http.execute(request, timeout: TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            let collected = try await response.body.collect(upTo: 4 << 20)
            return .response(status: Int(response.status.code), body: Array(buffer: collected),
                             contentType: response.headers.first(name: "Content-Type"))
        } catch {
            return .failed("\(error)")
        }
    }
}
