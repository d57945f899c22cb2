import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Where the emulator's own managed identity gets its tokens: the App Service protocol that
/// `apphost run` serves (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`), as the service's system-assigned
/// identity gets them in Azure.
public struct ManagedIdentityEndpoint: Sendable, Equatable {
    /// `IDENTITY_ENDPOINT`.
    public var url: String
    /// `IDENTITY_HEADER`, sent as `X-IDENTITY-HEADER`.
    public var header: String

    /// An endpoint at `url`, answering requests that carry `header`.
    public init(url: String, header: String) {
        self.url = url
        self.header = header
    }
}

/// Tokens of the emulator's managed identity, one per resource, kept until five minutes
/// before they expire.
final class ManagedIdentityTokens: Sendable {
    struct Failure: Error {
        var reason: String
    }

    private let endpoint: ManagedIdentityEndpoint
    private let http: HTTPClient
    private let cache = Mutex<[String: (token: String, renewAt: Date)]>([:])

    init(endpoint: ManagedIdentityEndpoint, http: HTTPClient) {
        self.endpoint = endpoint
        self.http = http
    }

    /// A valid token for `resource`: the kept one, else a new one.
    func token(for resource: String) async -> Result<String, Failure> {
        if let kept = cache.withLock({ $0[resource] }), kept.renewAt > Date() { return .success(kept.token) }
        var components = URLComponents(string: endpoint.url)
        let existing = components?.queryItems ?? []
        components?.queryItems = existing + [URLQueryItem(name: "api-version", value: "2019-08-01"), URLQueryItem(name: "resource", value: resource)]
        guard let url = components?.string else { return .failure(Failure(reason: "IDENTITY_ENDPOINT '\(endpoint.url)' is not a URL")) }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "X-IDENTITY-HEADER", value: endpoint.header)
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            let answer = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            guard response.status == .ok, let token = answer?["access_token"] as? String,
                  let expiresOn = (answer?["expires_on"] as? String).flatMap(Double.init) ?? (answer?["expires_on"] as? Double) else {
                let message = answer?["message"] as? String ?? String(buffer: body)
                return .failure(Failure(reason: "the token endpoint answered \(response.status.code): \(message)"))
            }
            cache.withLock { $0[resource] = (token, Date(timeIntervalSince1970: expiresOn - 300)) }
            return .success(token)
        } catch {
            return .failure(Failure(reason: "the token endpoint could not be reached: \(error)"))
        }
    }
}
