import HTTPTypes
import NIOCore
import Testing

@testable import Emulator

/// What an app server learns of a client (OpenConnection's headers), and the event history that
/// introspection keeps for `apphost mcp`.
@Suite("App server routing")
struct AppServerRoutingTests {
    @Test("A client's headers are forwarded without its token or the WebSocket handshake's own")
    func forwardsTheRequestHeaders() throws {
        var fields = HTTPFields()
        fields[.authorization] = "Bearer secret"
        fields[HTTPField.Name("Sec-WebSocket-Key")!] = "abc"
        fields[.connection] = "Upgrade"
        fields[.userAgent] = "tests/1.0"
        fields.append(HTTPField(name: HTTPField.Name("X-Tag")!, value: "one"))
        fields.append(HTTPField(name: HTTPField.Name("X-Tag")!, value: "two"))
        let headers = ClientRequestHeaders.forwarded(fields, peer: try SocketAddress(ipAddress: "127.0.0.1", port: 5000))
        #expect(headers == [ServiceHeader("User-Agent", ["tests/1.0"]), ServiceHeader("X-Tag", ["one", "two"]),
                            ServiceHeader("X-Forwarded-For", ["127.0.0.1"])])
    }

    @Test("An X-Forwarded-For the client sent is replaced by the address the service saw")
    func replacesAForwardedForClaim() throws {
        var fields = HTTPFields()
        fields[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.9"
        let headers = ClientRequestHeaders.forwarded(fields, peer: try SocketAddress(ipAddress: "::1", port: 1))
        #expect(headers == [ServiceHeader("X-Forwarded-For", ["::1"])])
        #expect(ClientRequestHeaders.forwarded(fields, peer: nil).isEmpty)
    }

    @Test("The event history keeps the newest events in order and counts the ones it dropped")
    func keepsABoundedHistory() {
        let feed = EventFeed(historyLimit: 3)
        #expect(feed.wantsEvents, "a kept history makes events worth encoding")
        for index in 1...5 { feed.publish("e\(index)", []) }
        let (events, dropped) = feed.recent(limit: 10)
        let types = events.compactMap { try? JSONCodec.decode($0)["type"]?.string }
        #expect(types == ["e3", "e4", "e5"])
        #expect(dropped == 2)
        #expect(feed.recent(limit: 2).events.count == 2)
        #expect(!EventFeed().wantsEvents)
    }
}
