import Foundation
import Testing

/// `apphost emulator` as a user starts it: flags, failures, and a clean stop.
@Suite("apphost emulator")
struct EmulatorCommandTests {
    typealias AppHost = AppHostProcess

    @Test("A port already in use is a runtime failure that names the port, exit 2")
    func portInUse() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        try #require(bound && listen(listener, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try AppHost.run(["emulator", "--port", String(port), "--host", "127.0.0.1"])
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("error: port \(port) is already in use"))
    }

    @Test("Bad flags are user errors", arguments: [
        ["emulator", "--port", "70000"],
        ["emulator", "--upstream", "ftp://example"],
        ["emulator", "--keep-alive-interval", "30", "--client-timeout", "10"],
        ["emulator", "--upstream-config", "/nonexistent.json"],
    ])
    func badFlags(arguments: [String]) throws {
        let result = try AppHost.run(arguments)
        #expect(result.status == 1)
        #expect(!result.stderr.isEmpty)
    }
}
