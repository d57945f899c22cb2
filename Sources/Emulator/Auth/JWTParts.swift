import Foundation

/// A JWT split into its header, payload and signature, before any check of the signature.
///
/// Kept apart from the validator (and from Crypto) so the parsing of untrusted tokens can be
/// fuzzed on its own.
struct JWTParts {
    /// The header and payload as they were signed (`base64url(header).base64url(payload)`).
    let signedText: String
    let header: HubValue
    let payload: HubValue
    let signature: [UInt8]

    /// Splits and decodes `token`, or says why it cannot be a JWT.
    init(_ token: String) throws(TokenRejection) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw TokenRejection("the token is not a JWT (three dot-separated parts)") }
        guard let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]) else {
            throw TokenRejection("the token is not valid base64url")
        }
        guard let header = try? JSONCodec.decode(headerBytes), case .map = header else { throw TokenRejection("the token header is not JSON") }
        guard let payload = try? JSONCodec.decode(payloadBytes), case .map = payload else {
            throw TokenRejection("the token payload is not a JSON object")
        }
        self.signedText = parts[0] + "." + parts[1]
        self.header = header
        self.payload = payload
        self.signature = signature
    }

    /// Whether the token is signed asymmetrically, as Entra ID's are (ES…, RS…, PS…), rather
    /// than with an access key (HS256): which check applies and which refusal to give.
    var isAsymmetric: Bool {
        guard let algorithm = header["alg"]?.string else { return false }
        return algorithm.hasPrefix("ES") || algorithm.hasPrefix("RS") || algorithm.hasPrefix("PS")
    }
}
