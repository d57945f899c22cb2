import Foundation
import Testing
@testable import Emulator

/// A socket on 127.0.0.1:`port`, bound (with SO_REUSEADDR when `reusable`) and listening; its
/// descriptor, or the errno that refused it.
private func listen(on port: Int, reusable: Bool) -> Result<Int32, LoopbackSocket.SocketError> {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    if reusable { setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    address.sin_port = UInt16(port).bigEndian
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, Glibc.listen(descriptor, 16) == 0 else {
        let code = errno
        close(descriptor)
        return .failure(LoopbackSocket.SocketError(code: code))
    }
    return .success(descriptor)
}

@Suite("Loopback ports")
struct LoopbackSocketTests {
    @Test("A reserved port refuses other processes' binds, yet a server with SO_REUSEADDR listens on it, also after a restart")
    func reservedPort() throws {
        let reservation = try LoopbackSocket.reservePort(includingIPv6: LoopbackSocket.ipv6Available())
        defer { reservation.release() }
        let port = reservation.port

        // Another program's plain bind fails; the kernel hands the port to no bind(0).
        guard case .failure(let refusal) = listen(on: port, reusable: false) else {
            Issue.record("a plain bind took the reserved port")
            return
        }
        #expect(refusal.code == EADDRINUSE)
        for _ in 0..<200 { #expect(try LoopbackSocket.freePort() != port) }

        // The emulator's server binds with SO_REUSEADDR: it listens, and again once restarted.
        let first = try listen(on: port, reusable: true).get()
        #expect(!LoopbackSocket.isFree(port))
        close(first)
        let second = try listen(on: port, reusable: true).get()
        close(second)

        reservation.release()
        let afterwards = try listen(on: port, reusable: false).get()
        close(afterwards)
    }
}
