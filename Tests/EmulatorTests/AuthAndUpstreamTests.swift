@testable import Emulator
import Foundation
import NIOCore
import Testing

@Suite("Access tokens")
struct AccessTokenTests {
    let key = "unit-test-key"
    let validator = AccessTokenValidator(accessKey: "unit-test-key")
    let now = Date(timeIntervalSince1970: 2_000_000_000)

    func token(_ claims: [String: HubValue], key: String? = nil) -> String {
        AccessTokenValidator.sign(claims: claims, accessKey: key ?? self.key)
    }

    func claims(aud: String = "http://localhost:8080/client/?hub=chat", exp: Double = 2_000_000_600) -> [String: HubValue] {
        ["aud": .string(aud), "exp": .double(exp)]
    }

    @Test("A valid client token gives its user id from asrs.s.uid, nameid or NameIdentifier")
    func userIDs() throws {
        for claim in ["asrs.s.uid", "nameid", TokenClaims.nameIdentifierURI] {
            var claims = claims()
            claims[claim] = .string("alice")
            #expect(try validator.validate(token(claims), for: .client(hub: "chat"), now: now).userID == "alice")
        }
        #expect(try validator.validate(token(claims()), for: .client(hub: "chat"), now: now).userID == nil)
    }

    @Test("Each rejected kind of token has its own reason", arguments: [
        ("bad signature", "signature"), ("alg none", "HS256"), ("expired", "expired"), ("not yet valid", "not valid yet"),
        ("other hub", "hub 'chat'"), ("other path", "hub 'chat'"), ("no exp", "expiry"), ("no aud", "audience"), ("two parts", "JWT"),
    ])
    func rejections(kind: String, reason: String) throws {
        let value: String
        switch kind {
        case "bad signature": value = token(claims(), key: "other")
        case "alg none":
            let header = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)), payload = Base64URL.encode(JSONCodec.encode(.map(claims().map { HubPair(.string($0.key), $0.value) })))
            value = header + "." + payload + "."
        case "expired": value = token(claims(exp: 2_000_000_000 - 61))
        case "not yet valid":
            var claims = claims()
            claims["nbf"] = .int(2_000_000_061)
            value = token(claims)
        case "other hub": value = token(claims(aud: "http://localhost:8080/client/?hub=news"))
        case "other path": value = token(claims(aud: "http://localhost:8080/api/v1/hubs/chat"))
        case "no exp": value = token(["aud": .string("http://localhost:8080/client/?hub=chat")])
        case "no aud": value = token(["exp": .double(2_000_000_600)])
        default: value = "a.b"
        }
        #expect {
            try validator.validate(value, for: .client(hub: "chat"), now: now)
        } throws: { error in
            (error as? TokenRejection)?.reason.contains(reason) == true
        }
    }

    @Test("Expiry has 60 s of leeway")
    func leeway() throws {
        _ = try validator.validate(token(claims(exp: 2_000_000_000 - 59)), for: .client(hub: "chat"), now: now)
    }

    @Test("Audiences compare path and hub without case, ignoring scheme, host and port", arguments: [
        "https://127.0.0.1:1/CLIENT/?hub=CHAT", "http://localhost/client?hub=chat&asrs.op=x", "http://[::1]:8080/client/?Hub=Chat",
    ])
    func audiences(aud: String) throws {
        _ = try validator.validate(token(claims(aud: aud)), for: .client(hub: "chat"), now: now)
    }

    @Test("A server connection's token names the server path, not the client's, for its hub")
    func serverAudience() throws {
        // The SDK's audience is the endpoint without its port, and the hub lower-cased.
        _ = try validator.validate(token(claims(aud: "http://localhost/server/?hub=chat")), for: .server(hub: "Chat"), now: now)
        #expect(throws: TokenRejection.self) {
            try validator.validate(token(claims(aud: "http://localhost/client/?hub=chat")), for: .server(hub: "chat"), now: now)
        }
        #expect(throws: TokenRejection.self) {
            try validator.validate(token(claims(aud: "http://localhost/server/?hub=chat")), for: .client(hub: "chat"), now: now)
        }
    }

    @Test("REST tokens must name the request path")
    func restAudience() throws {
        _ = try validator.validate(token(claims(aud: "http://x/api/v1/hubs/Chat/")), for: .rest(path: "/api/v1/hubs/chat"), now: now)
        #expect(throws: TokenRejection.self) {
            try validator.validate(token(claims(aud: "http://x/api/v1/hubs/chat/users/u")), for: .rest(path: "/api/v1/hubs/chat"), now: now)
        }
    }
}

@Suite("Upstream")
struct UpstreamTests {
    @Test("Patterns: *, a name, or a comma list; hubs without case")
    func patterns() {
        let rule = UpstreamRule(urlTemplate: "http://x/{hub}/{category}/{event}", hubPattern: "Chat, news", eventPattern: "*", categoryPattern: "messages")
        #expect(rule.matches(hub: "chat", category: .messages, event: "send"))
        #expect(rule.matches(hub: "NEWS", category: .messages, event: "send"))
        #expect(!rule.matches(hub: "other", category: .messages, event: "send"))
        #expect(!rule.matches(hub: "chat", category: .connections, event: "connected"))
        #expect(rule.url(hub: "chat", category: .messages, event: "send message") == "http://x/chat/messages/send%20message")
    }

    @Test("The blocking connect event matches only templates that name it")
    func explicitConnect() {
        let wildcard = UpstreamRule(urlTemplate: "http://a")
        let named = UpstreamRule(urlTemplate: "http://b", eventPattern: "connect,connected")
        #expect(UpstreamRule.firstMatch(in: [wildcard], hub: "h", category: .connections, event: "connect", explicitOnly: true) == nil)
        #expect(UpstreamRule.firstMatch(in: [wildcard, named], hub: "h", category: .connections, event: "connect", explicitOnly: true) == named)
        #expect(UpstreamRule.firstMatch(in: [wildcard, named], hub: "h", category: .connections, event: "connected") == wildcard)
    }

    @Test("The signature is the hex HMAC-SHA256 of the connection id under the access key")
    func signature() {
        // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'key', b'conn', hashlib.sha256).hexdigest())"
        #expect(UpstreamClient.signature(connectionID: "conn", accessKey: "key") == "sha256=8366e13ab3348b0bbee3b87adcc784d364ab42598f3c0b06e6f216314220b439")
    }
}

@Suite("Registry")
struct RegistryTests {
    func connection(_ id: String, user: String?) -> ClientConnection {
        ClientConnection(id: id, hub: "Chat", userID: user, claims: TokenClaims(pairs: []), clientQuery: "", transport: .webSockets, output: .queued(Outbox(limit: 1024)))
    }

    @Test("Removing connections and memberships leaves empty tables")
    func churn() {
        let registry = HubRegistry()
        for index in 0..<500 {
            let client = connection("c\(index)", user: "u\(index % 10)")
            registry.add(client)
            _ = registry.addConnection(client.id, toGroup: "g\(index % 7)", hub: "chat")
            registry.remove(client)
        }
        registry.addUser("u1", toGroup: "g", hub: "CHAT", ttl: 1, now: .now - .seconds(5))
        registry.sweepExpired()
        let sizes = registry.sizes
        #expect(sizes.hubs == 0 && sizes.connections == 0 && sizes.users == 0 && sizes.groups == 0 && sizes.userMemberships == 0)
    }

    @Test("A refused change (an unknown connection) leaves the hub and its members as they were")
    func refusedChanges() {
        let registry = HubRegistry()
        registry.add(connection("a", user: "ann"))
        #expect(!registry.addConnection("ghost", toGroup: "g", hub: "chat"))
        #expect(!registry.removeConnection("ghost", fromGroup: nil, hub: "chat"))
        #expect(!registry.remove(connection("ghost", user: nil)))
        registry.removeUser("nobody", fromGroup: nil, hub: "chat")
        #expect(registry.connection("a", hub: "CHAT") != nil)
        #expect(registry.userExists("ann", hub: "chat"))
        #expect(registry.sizes.hubs == 1 && registry.sizes.connections == 1)
    }

    @Test("Group members are direct members and connections of member users, less the excluded")
    func groupMembers() {
        let registry = HubRegistry()
        let a = connection("a", user: "ann"), b = connection("b", user: "bob"), c = connection("c", user: "bob")
        [a, b, c].forEach(registry.add)
        _ = registry.addConnection("a", toGroup: "g", hub: "chat")
        registry.addUser("bob", toGroup: "g", hub: "chat", ttl: nil)
        #expect(Set(registry.connections(group: "g", hub: "CHAT").map(\.id)) == ["a", "b", "c"])
        #expect(Set(registry.connections(group: "g", hub: "chat", excluding: ["b"]).map(\.id)) == ["a", "c"])
        registry.removeUser("bob", fromGroup: "g", hub: "chat")
        #expect(registry.connections(group: "g", hub: "chat").map(\.id) == ["a"])
    }

    @Test("A full outbox refuses frames instead of growing")
    func boundedOutbox() {
        let outbox = Outbox(limit: 100)
        #expect(outbox.enqueue(ByteBuffer(repeating: 0, count: 60)))
        #expect(!outbox.enqueue(ByteBuffer(repeating: 0, count: 60)))
        #expect(outbox.queuedBytes == 60)
    }
}
