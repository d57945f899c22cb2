import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The token endpoint of the managed identities of one run, speaking the protocol Azure App
/// Service and Container Apps give their apps (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`):
///
/// `GET /msi/token?api-version=2019-08-01&resource=R[&client_id=ID]` with `X-IDENTITY-HEADER`
/// answers `{"access_token", "expires_on", "resource", "token_type", "client_id"}`; a refusal
/// is `{"statusCode", "message"}`, the body App Service gives, which azure-identity (MSAL) reads.
///
/// Like Entra ID, it publishes what a token's receiver needs to verify it (an upstream app
/// checking the bearer token of the service), in the form of Entra ID's v1 endpoints, whose
/// issuer its tokens carry: `GET /{tenant}/.well-known/openid-configuration` and the signing key
/// at `GET /{tenant}/discovery/keys`. Loopback only.
public struct ManagedIdentityServer: Sendable {
    /// The path of the endpoint.
    public static let path = "/msi/token"
    /// The only API version App Service's protocol of this form has.
    public static let apiVersion = "2019-08-01"

    /// The issuer that signs the tokens.
    public let issuer: TokenIssuer
    /// Every project's identity.
    public let identities: [LocalIdentity]
    /// The resources tokens may be asked for (their `aud`), without a trailing slash.
    public let resources: [String]
    /// The port it listens on.
    public let port: Int
    private let logger: Logger

    /// A server for `identities` on `port`, issuing tokens for `resources`.
    public init(issuer: TokenIssuer, identities: [LocalIdentity], resources: [String] = ["https://signalr.azure.com"],
                port: Int, logger: Logger) {
        self.issuer = issuer
        self.identities = identities
        self.resources = resources
        self.port = port
        self.logger = logger
    }

    /// `IDENTITY_ENDPOINT` as projects receive it.
    public var endpoint: String { "\(base)\(Self.path)" }

    /// Where it serves.
    public var base: String { "http://127.0.0.1:\(port)" }

    /// Where a receiver of its tokens finds the issuer and the signing key.
    public var openIDConfiguration: String { "\(base)/\(issuer.tenantID)/.well-known/openid-configuration" }

    /// Serves until the task is cancelled; `onReady` runs once it listens.
    public func run(onReady: @escaping @Sendable () async -> Void = {}) async throws {
        let router = Router()
        router.get(RouterPath(stringLiteral: Self.path)) { request, _ in answer(request) }
        let tenant = issuer.tenantID
        router.get(RouterPath(stringLiteral: "/\(tenant)/.well-known/openid-configuration")) { _, _ in
            Self.json(status: .ok, ["issuer": issuer.issuer, "jwks_uri": "\(base)/\(tenant)/discovery/keys",
                                    "id_token_signing_alg_values_supported": ["ES256"], "token_endpoint": endpoint])
        }
        router.get(RouterPath(stringLiteral: "/\(tenant)/discovery/keys")) { _, _ in
            Self.json(status: .ok, ["keys": [issuer.jsonWebKey]])
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
                                      onServerRunning: { _ in await onReady() }, logger: logger)
        try await application.runService()
    }

    /// The answer to one token request.
    func answer(_ request: Request) -> Response {
        switch token(for: request) {
        case .success(let body): return Self.json(status: .ok, body)
        case .failure(let refusal): return Self.json(status: refusal.status, ["statusCode": refusal.status.code, "message": refusal.message])
        }
    }

    struct Refusal: Error {
        var status: HTTPResponse.Status
        var message: String
    }

    func token(for request: Request) -> Result<[String: Any], Refusal> {
        guard let header = request.headers[HTTPField.Name("X-IDENTITY-HEADER")!], !header.isEmpty else {
            return .failure(Refusal(status: .badRequest, message: "The request has no X-IDENTITY-HEADER header: send the value of IDENTITY_HEADER."))
        }
        guard let identity = identities.first(where: { constantTimeEqual($0.header, header) }) else {
            return .failure(Refusal(status: .unauthorized, message: "The X-IDENTITY-HEADER header is not this run's IDENTITY_HEADER of any project."))
        }
        let query = request.uri.queryParameters
        guard let version = query["api-version"].map(String.init), version == Self.apiVersion else {
            return .failure(Refusal(status: .badRequest, message: "The api-version must be \(Self.apiVersion)."))
        }
        guard var resource = query["resource"].map(String.init), !resource.isEmpty else {
            return .failure(Refusal(status: .badRequest, message: "The request has no 'resource' query parameter (for SignalR: https://signalr.azure.com)."))
        }
        while resource.hasSuffix("/") { resource.removeLast() }
        if let clientID = query["client_id"].map(String.init), clientID.lowercased() != identity.clientID {
            return .failure(Refusal(status: .badRequest, message: "No managed identity with client id '\(clientID)' is assigned to '\(identity.project)'; its identity's client id is \(identity.clientID)."))
        }
        if let objectID = query["object_id"].map(String.init) ?? query["principal_id"].map(String.init), objectID.lowercased() != identity.objectID {
            return .failure(Refusal(status: .badRequest, message: "No managed identity with object id '\(objectID)' is assigned to '\(identity.project)'."))
        }
        guard resources.contains(resource) else {
            return .failure(Refusal(status: .badRequest, message: "Tokens for '\(resource)' are not issued under apphost run; the resources are \(resources.joined(separator: ", "))."))
        }
        do {
            let issued = try issuer.token(for: identity, resource: resource)
            logger.debug("issued a token", metadata: ["project": "\(identity.project)", "resource": "\(resource)"])
            return .success(["access_token": issued.token, "expires_on": String(issued.expiresOn), "resource": resource,
                             "token_type": "Bearer", "client_id": identity.clientID])
        } catch {
            return .failure(Refusal(status: .internalServerError, message: "The token could not be signed: \(error)."))
        }
    }

    static func json(status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Compares secrets in time independent of where they differ.
    func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8), right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
