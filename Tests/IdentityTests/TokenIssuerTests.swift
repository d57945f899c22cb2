import Access
import Emulator
import Foundation
import Identity
import Testing

@Suite("Local Entra ID tokens")
struct TokenIssuerTests {
    let identity = LocalIdentity(project: "api", clientID: "11111111-1111-1111-1111-111111111111",
                                 objectID: "22222222-2222-2222-2222-222222222222", header: "secret")

    @Test("A token of the issuer is accepted by a validator that trusts its key, with the identity's claims")
    func tokenIsAccepted() throws {
        let issuer = TokenIssuer(tenantID: "33333333-3333-3333-3333-333333333333")
        let validator = try EntraTokenValidator(publicKey: issuer.publicKey, issuer: issuer.issuer)
        let (token, expiresOn) = try issuer.token(for: identity, resource: "https://signalr.azure.com")
        let principal = try validator.validate(token)
        #expect(principal.objectID == identity.objectID)
        #expect(principal.clientID == identity.clientID)
        #expect(expiresOn > Int(Date().timeIntervalSince1970))
    }

    @Test("Tokens of another key, another audience, expired or unsigned are refused with a reason")
    func forgedTokensAreRefused() throws {
        let issuer = TokenIssuer(tenantID: "t")
        let validator = try EntraTokenValidator(publicKey: issuer.publicKey, issuer: issuer.issuer)
        let other = TokenIssuer(tenantID: "t")
        #expect(throws: TokenRejection.self) { try validator.validate(try other.token(for: identity, resource: "https://signalr.azure.com").token) }
        #expect(throws: TokenRejection.self) { try validator.validate(try issuer.token(for: identity, resource: "https://vault.azure.net").token) }
        let old = try issuer.token(for: identity, resource: "https://signalr.azure.com", now: Date(timeIntervalSinceNow: -7200)).token
        #expect(throws: TokenRejection.self) { try validator.validate(old) }
        let parts = try issuer.token(for: identity, resource: "https://signalr.azure.com").token.split(separator: ".")
        let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(throws: TokenRejection.self) { try validator.validate("\(none).\(parts[1]).") }
    }

    @Test("Each role grants exactly the data actions of Azure's role definition")
    func rolesGrantTheirActions() {
        #expect(SignalRRole.appServer.grants(.accessKey))
        #expect(SignalRRole.appServer.grants(.serverConnectionWrite))
        #expect(!SignalRRole.appServer.grants(.hubSend))
        #expect(!SignalRRole.appServer.grants(.clientToken))
        #expect(SignalRRole.restAPIOwner.grants(.hubSend))
        #expect(SignalRRole.restAPIOwner.grants(.clientToken))
        #expect(!SignalRRole.restAPIOwner.grants(.accessKey))
        #expect(SignalRRole.restAPIReader.grants(.groupRead))
        #expect(!SignalRRole.restAPIReader.grants(.groupWrite))
        #expect(SignalRDataAction.allCases.allSatisfy { SignalRRole.serviceOwner.grants($0) })
        #expect(SignalRRole.narrowest(granting: .userRead) == .restAPIReader)
        #expect(SignalRRole.narrowest(granting: .hubSend) == .restAPIOwner)
    }
}
