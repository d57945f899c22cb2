import Crypto
import Foundation

/// Checks Microsoft Entra ID access tokens issued by the local token service of `apphost run`:
/// ES256, signed by the key the emulator was started with, from its issuer, for Azure SignalR
/// Service's audience, not expired.
public struct EntraTokenValidator: Sendable {
    /// The audience Entra ID gives tokens for Azure SignalR Service.
    public static let audience = "https://signalr.azure.com"

    /// The trusted public key (P-256, SubjectPublicKeyInfo in DER).
    private let publicKeyDER: Data
    /// The trusted `iss`.
    public let issuer: String
    /// Clock skew tolerated on `exp` and `nbf`.
    public var leeway: TimeInterval = 60

    /// A validator trusting `publicKey` (base64 of a P-256 SubjectPublicKeyInfo in DER, as the
    /// emulator's `--entra-public-key` takes it) and `issuer`; throws when the key cannot be read.
    public init(publicKey: String, issuer: String) throws(TokenRejection) {
        guard let der = Data(base64Encoded: publicKey), (try? P256.Signing.PublicKey(derRepresentation: der)) != nil else {
            throw TokenRejection("the Entra ID public key is not base64 of a P-256 public key (SubjectPublicKeyInfo, DER)")
        }
        self.publicKeyDER = der
        self.issuer = issuer
    }

    /// Validates `token` at `now`, returning who signed in.
    public func validate(_ token: String, now: Date = Date()) throws(TokenRejection) -> EntraPrincipal {
        try validate(try JWTParts(token), now: now)
    }

    /// Validates an already split token.
    func validate(_ parts: JWTParts, now: Date = Date()) throws(TokenRejection) -> EntraPrincipal {
        guard parts.header["alg"]?.string == "ES256" else {
            throw TokenRejection("the Entra ID token must be signed with ES256 by apphost's local token service, not \(parts.header["alg"]?.string ?? "no algorithm")")
        }
        guard let key = try? P256.Signing.PublicKey(derRepresentation: publicKeyDER),
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: parts.signature),
              key.isValidSignature(signature, for: Data(parts.signedText.utf8)) else {
            throw TokenRejection("the Entra ID token's signature is not that of this run's token service (a token from another run or another issuer)")
        }
        let payload = parts.payload
        guard payload["iss"]?.string == issuer else {
            throw TokenRejection("the Entra ID token's issuer is '\(payload["iss"]?.string ?? "none")', not '\(issuer)'")
        }
        var audience = payload["aud"]?.string ?? ""
        while audience.hasSuffix("/") { audience.removeLast() }
        guard audience == Self.audience else {
            throw TokenRejection("the Entra ID token is for '\(payload["aud"]?.string ?? "no audience")', not Azure SignalR Service; ask for a token of \(Self.audience)/.default")
        }
        let seconds = now.timeIntervalSince1970
        guard let expiry = payload["exp"].flatMap(AccessTokenValidator.number) else { throw TokenRejection("the token has no expiry (exp)") }
        guard seconds <= expiry + leeway else { throw TokenRejection("the Entra ID token expired") }
        if let notBefore = payload["nbf"].flatMap(AccessTokenValidator.number), seconds + leeway < notBefore {
            throw TokenRejection("the Entra ID token is not valid yet (nbf)")
        }
        guard let objectID = payload["oid"]?.string, !objectID.isEmpty else { throw TokenRejection("the Entra ID token has no object id (oid)") }
        return EntraPrincipal(objectID: objectID, clientID: payload["appid"]?.string ?? payload["azp"]?.string)
    }
}

/// Who presented a valid Entra ID token.
public struct EntraPrincipal: Sendable, Equatable {
    /// The object id (`oid`): the principal that role assignments name.
    public var objectID: String
    /// The application (client) id (`appid`).
    public var clientID: String?
}
