import Crypto
import Foundation

/// The local stand-in for Microsoft Entra ID: signs access tokens for local identities with an
/// ES256 key made for this run, whose public half the emulators are given to check them.
public struct TokenIssuer: Sendable {
    /// The tenant the local identities belong to (`tid`).
    public let tenantID: String
    /// How long a token is valid (Entra's managed-identity tokens last about a day; an hour here
    /// makes expiry visible without getting in the way).
    public var lifetime: TimeInterval = 3600
    /// The private key's raw bytes (swift-crypto's key type is not `Sendable` on Linux).
    private let keyBytes: Data
    private var key: P256.Signing.PrivateKey { try! P256.Signing.PrivateKey(rawRepresentation: keyBytes) }

    /// An issuer with a new key, for `tenantID`.
    public init(tenantID: String) {
        self.tenantID = tenantID
        self.keyBytes = P256.Signing.PrivateKey().rawRepresentation
    }

    /// `iss` of its tokens: the form of Entra's v1 tokens, which managed identities receive.
    public var issuer: String { "https://sts.windows.net/\(tenantID)/" }

    /// The public key as the emulator's `--entra-public-key` takes it: base64 of its
    /// SubjectPublicKeyInfo in DER.
    public var publicKey: String { key.publicKey.derRepresentation.base64EncodedString() }

    /// The public key as a JSON Web Key, as Entra ID's `discovery/v2.0/keys` lists its keys.
    public var jsonWebKey: [String: String] {
        let point = key.publicKey.rawRepresentation  // x and y, 32 bytes each
        return ["kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": keyID,
                "x": Self.base64URL(point.prefix(32)), "y": Self.base64URL(point.suffix(32))]
    }

    /// The key id in the token header: the first 16 hex digits of the public key's SHA-256.
    public var keyID: String {
        SHA256.hash(data: key.publicKey.derRepresentation).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A token of `identity` for `resource` (its `aud`), valid from `now`; and its expiry.
    public func token(for identity: LocalIdentity, resource: String, now: Date = Date()) throws -> (token: String, expiresOn: Int) {
        let issuedAt = Int(now.timeIntervalSince1970)
        let expiresOn = issuedAt + Int(lifetime)
        let header: [String: Any] = ["alg": "ES256", "typ": "JWT", "kid": keyID]
        let claims: [String: Any] = [
            "aud": resource, "iss": issuer, "iat": issuedAt, "nbf": issuedAt, "exp": expiresOn,
            "tid": tenantID, "oid": identity.objectID, "sub": identity.objectID, "appid": identity.clientID,
            "appidacr": "2", "idtyp": "app", "ver": "1.0",
            "xms_mirid": "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/apphost/providers/Microsoft.ManagedIdentity/userAssignedIdentities/\(identity.project)",
        ]
        let signingInput = try Self.segment(header) + "." + Self.segment(claims)
        let signature = try key.signature(for: Data(signingInput.utf8))
        return (signingInput + "." + Self.base64URL(signature.rawRepresentation), expiresOn)
    }

    private static func segment(_ object: [String: Any]) throws -> String {
        base64URL(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
