import Foundation
import Synchronization

/// The short-lived keys `GET /api/auth/accessKey` hands out.
///
/// An app server that signs in with Microsoft Entra ID has no access key, yet must sign its
/// clients' tokens: the .NET server SDK asks the service for a temporary key and puts its id in
/// each token's `kid` header. Tokens signed with such a key are accepted until it expires; an
/// expired key is remembered, so its tokens are refused with that reason, not a vague one.
public final class TemporaryAccessKeys: Sendable {
    /// One key.
    public struct Key: Sendable, Equatable {
        /// What tokens name in their `kid` header.
        public var id: String
        /// The secret tokens are signed with (its UTF-8 bytes, as the access key's).
        public var value: String
        /// When tokens signed with it stop being accepted.
        public var expires: Date
    }

    /// How every temporary key id starts, so a token naming one that is unknown can say so.
    public static let idPrefix = "asrs-tmp-"

    private let keys = Mutex<[String: Key]>([:])
    /// How long a key is valid.
    public let lifetime: TimeInterval

    /// The key the emulator signs the client tokens of `:generateToken` with, as the service
    /// signs them with a key of its own: they stay valid when access keys are disabled.
    public let serviceKey: Key

    /// A store whose keys are valid for `lifetime` seconds (the service's is 90 minutes).
    public init(lifetime: TimeInterval = 90 * 60) {
        self.lifetime = lifetime
        serviceKey = Key(id: Self.idPrefix + "service-" + Identifier.make(), value: Base64URL.encode(Self.randomBytes(32)), expires: .distantFuture)
        keys.withLock { $0[serviceKey.id] = serviceKey }
    }

    /// Makes a new key, valid from `now`.
    public func issue(now: Date = Date()) -> Key {
        let key = Key(id: Self.idPrefix + Identifier.make(), value: Base64URL.encode(Self.randomBytes(32)), expires: now + lifetime)
        keys.withLock { keys in
            // Keys expired for more than a day are forgotten; later ones are kept to name them.
            keys = keys.filter { $0.value.expires > now - 86_400 }
            keys[key.id] = key
        }
        return key
    }

    /// `count` bytes from the system's secure generator.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The key with this id, expired or not.
    public func key(id: String) -> Key? {
        keys.withLock { $0[id] }
    }
}
