import Foundation
import Testing

/// `apphost emulator` as a user starts it: flags, failures, and a clean stop.
@Suite("apphost emulator")
struct EmulatorCommandTests {
    typealias AppHost = AppHostProcess

    @Test("A port already in use is a runtime failure that names the port, exit 2")
    func portInUse() throws {
        let (listener, port) = try AppHost.listeningSocket()
        defer { close(listener) }
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
