import Crypto
import Foundation

/// Checks the JWTs clients and app servers present: HS256, signed with the access key.
///
/// Stricter than Microsoft's emulator on purpose: expired and not-yet-valid tokens, tokens for
/// another hub or path, `alg: none` and every other algorithm are refused, each with a short
/// reason for the 401 response.
public struct AccessTokenValidator: Sendable {
    /// The signing key: the access key's UTF-8 bytes, as the Azure SDKs use it.
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    /// Clock skew tolerated on `exp` and `nbf`.
    public var leeway: TimeInterval = 60
    /// Short-lived keys handed out by `GET /api/auth/accessKey`, named by a token's `kid`.
    public let temporaryKeys: TemporaryAccessKeys?

    /// Whether tokens signed with the access key itself are refused (`disableLocalAuth`).
    public let localAuthDisabled: Bool

    /// A validator for tokens signed with `accessKey` (unless `localAuthDisabled`), or with one
    /// of `temporaryKeys`.
    public init(accessKey: String, temporaryKeys: TemporaryAccessKeys? = nil, localAuthDisabled: Bool = false) {
        keyBytes = Data(accessKey.utf8)
        self.temporaryKeys = temporaryKeys
        self.localAuthDisabled = localAuthDisabled
    }

    /// What a token is allowed to address.
    public enum Audience: Sendable {
        /// A client connection to `hub` (`<endpoint>/client/?hub=<hub>`).
        case client(hub: String)
        /// An app server's connection to `hub` (`<endpoint>/server/?hub=<hub>`, the endpoint
        /// without its port, as the server SDK makes it).
        case server(hub: String)
        /// A REST call to `path` (`<endpoint><path>`).
        case rest(path: String)
    }

    /// Validates `token` for `audience` at `now`, returning its claims.
    public func validate(_ token: String, for audience: Audience, now: Date = Date()) throws(TokenRejection) -> TokenClaims {
        try validate(try JWTParts(token), for: audience, now: now)
    }

    /// Validates an already split token (the REST API splits it once to tell Entra ID's from
    /// access-key tokens).
    func validate(_ token: JWTParts, for audience: Audience, now: Date = Date()) throws(TokenRejection) -> TokenClaims {
        guard token.header["alg"]?.string == "HS256" else {
            throw TokenRejection("the token must be signed with HS256, not \(token.header["alg"]?.string ?? "no algorithm")")
        }
        try checkSignature(token, now: now)
        guard case .map(let pairs) = token.payload else { throw TokenRejection("the token payload is not a JSON object") }
        let payload = token.payload
        let seconds = now.timeIntervalSince1970
        guard let expiry = payload["exp"].flatMap(Self.number) else { throw TokenRejection("the token has no expiry (exp)") }
        guard seconds <= expiry + leeway else { throw TokenRejection("the token expired") }
        if let notBefore = payload["nbf"].flatMap(Self.number), seconds + leeway < notBefore {
            throw TokenRejection("the token is not valid yet (nbf)")
        }
        try checkAudience(payload["aud"], against: audience)
        return TokenClaims(pairs: pairs)
    }

    /// The signature must be the access key's, or that of the unexpired temporary key its
    /// `kid` names. (The server SDKs put a `kid` in access-key tokens too, so a `kid` that names
    /// no temporary key falls back to the access key.)
    private func checkSignature(_ token: JWTParts, now: Date) throws(TokenRejection) {
        let signed = Data(token.signedText.utf8)
        let keyID = token.header["kid"]?.string
        if let keyID, let temporary = temporaryKeys?.key(id: keyID) {
            guard now < temporary.expires else {
                throw TokenRejection("the token is signed with temporary key '\(keyID)', which expired at \(ISO8601DateFormatter().string(from: temporary.expires)); get a new one from /api/auth/accessKey")
            }
            guard HMAC<SHA256>.isValidAuthenticationCode(token.signature, authenticating: signed, using: SymmetricKey(data: Data(temporary.value.utf8))) else {
                throw TokenRejection("the token signature does not match temporary key '\(keyID)'")
            }
            return
        }
        if localAuthDisabled {
            if let keyID, keyID.hasPrefix(TemporaryAccessKeys.idPrefix) {
                throw TokenRejection("the token is signed with temporary key '\(keyID)', which this emulator never gave out (or forgot a day after it expired)")
            }
            throw TokenRejection("local authentication is disabled on this resource (authType: azure, as disableLocalAuth in Azure): access-key tokens are refused; sign in with Microsoft Entra ID, or use a client token from :generateToken or signed with a key from /api/auth/accessKey")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(token.signature, authenticating: signed, using: key) else {
            if let keyID, keyID.hasPrefix(TemporaryAccessKeys.idPrefix) {
                throw TokenRejection("the token is signed with temporary key '\(keyID)', which this emulator never gave out (or forgot a day after it expired)")
            }
            throw TokenRejection("the token signature does not match the access key")
        }
    }

    private func checkAudience(_ value: HubValue?, against audience: Audience) throws(TokenRejection) {
        let audiences: [String]
        switch value {
        case .string(let text)?: audiences = [text]
        case .array(let items)?: audiences = items.compactMap(\.string)
        default: throw TokenRejection("the token has no audience (aud)")
        }
        for candidate in audiences where Self.matches(candidate, audience) { return }
        switch audience {
        case .client(let hub): throw TokenRejection("the token's audience is not this endpoint's client URL for hub '\(hub)'")
        case .server(let hub): throw TokenRejection("the token's audience is not this endpoint's server URL for hub '\(hub)'")
        case .rest(let path): throw TokenRejection("the token's audience is not \(path)")
        }
    }

    /// Compares path (and hub) without regard to case, ignoring scheme, host, port and other
    /// query parameters, so `localhost` and `127.0.0.1` are the same endpoint.
    static func matches(_ candidate: String, _ audience: Audience) -> Bool {
        guard let components = URLComponents(string: candidate) else { return false }
        let path = normalizedPath(components.percentEncodedPath)
        switch audience {
        case .client(let hub), .server(let hub):
            let tokenHub = components.queryItems?.first { $0.name.lowercased() == "hub" }?.value
            let expected = if case .client = audience { "/client" } else { "/server" }
            return path == expected && tokenHub?.lowercased() == hub.lowercased()
        case .rest(let requestPath):
            return path == normalizedPath(requestPath)
        }
    }

    static func normalizedPath(_ path: String) -> String {
        var result = (path.removingPercentEncoding ?? path).lowercased()
        while result.count > 1, result.hasSuffix("/") { result.removeLast() }
        return result
    }

    static func number(_ value: HubValue) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .uint(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    /// Signs claims as the SDKs do (for tests, benchmarks and the sample tooling).
    public static func sign(claims: [String: HubValue], accessKey: String, keyID: String? = nil) -> String {
        var headerPairs = [HubPair(.string("alg"), .string("HS256")), HubPair(.string("typ"), .string("JWT"))]
        if let keyID { headerPairs.append(HubPair(.string("kid"), .string(keyID))) }
        let header = Base64URL.encode(JSONCodec.encode(.map(headerPairs)))
        let payload = Base64URL.encode(JSONCodec.encode(.map(claims.sorted { $0.key < $1.key }.map { HubPair(.string($0.key), $0.value) })))
        let signature = HMAC<SHA256>.authenticationCode(for: Data((header + "." + payload).utf8), using: SymmetricKey(data: Data(accessKey.utf8)))
        return header + "." + payload + "." + Base64URL.encode(Array(signature))
    }
}

/// Why a token was refused: a short sentence for the 401 body.
public struct TokenRejection: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The claims of a valid token.
public struct TokenClaims: Sendable, Equatable {
    /// The claim of Microsoft's .NET `ClaimTypes.NameIdentifier`.
    public static let nameIdentifierURI = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier"
    /// Claims that describe the token itself rather than the user.
    static let systemClaims: Set<String> = ["aud", "exp", "iat", "nbf", "iss"]

    /// Every claim, in the token's order.
    public let pairs: [HubPair]

    /// The user id: `asrs.s.uid`, else `nameid`, else the NameIdentifier claim.
    public var userID: String? {
        for name in ["asrs.s.uid", "nameid", Self.nameIdentifierURI] {
            if let value = pairs.first(where: { $0.key == .string(name) })?.value.string, !value.isEmpty { return value }
        }
        return nil
    }

    /// The user's claims as `type: value` pairs (the `X-ASRS-User-Claims` header's form).
    public var userClaims: [(type: String, value: String)] {
        pairs.compactMap { pair in
            guard let type = pair.key.string, !Self.systemClaims.contains(type) else { return nil }
            switch pair.value {
            case .string(let text): return (type, text)
            case .array(let items): return (type, items.compactMap(\.string).joined(separator: ","))
            default: return (type, String(decoding: JSONCodec.encode(pair.value), as: UTF8.self))
            }
        }
    }
}
