#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Questions answered by briefly binding a socket on loopback.
public enum LoopbackSocket {
    /// A TCP port free on 127.0.0.1 now.
    public static func freePort() throws -> Int {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return try bound(family: AF_INET, address: &address) { Int(UInt16(bigEndian: $0.sin_port)) }
    }

    /// Whether a server could listen on `port` of 127.0.0.1 now (bound with SO_REUSEADDR, as
    /// servers do, so connections in TIME_WAIT do not count as a listener).
    public static func isFree(_ port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = UInt16(port).bigEndian
        return (try? bound(family: AF_INET, address: &address, reuseAddress: true) { _ in true }) ?? false
    }

    /// A free port, held until released: bound on 127.0.0.1 (and on ::1 with `includingIPv6`)
    /// with SO_REUSEADDR but not listening. While it is held, the kernel hands the port to no
    /// one else (bind to port 0 passes it over, a plain bind fails), yet a server that binds it
    /// with SO_REUSEADDR, as the emulator's does, listens on it as usual, after every restart.
    public static func reservePort(includingIPv6: Bool) throws -> PortReservation {
        var lastError = SocketError(code: EADDRINUSE)
        for _ in 0..<20 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let (ipv4, port) = try openBound(family: AF_INET, address: &address, reuseAddress: true) { Int(UInt16(bigEndian: $0.sin_port)) }
            guard includingIPv6 else { return PortReservation(port: port, descriptors: [ipv4]) }
            var address6 = sockaddr_in6()
            address6.sin6_family = sa_family_t(AF_INET6)
            address6.sin6_addr = in6addr_loopback
            address6.sin6_port = UInt16(port).bigEndian
            do {
                let (ipv6, _) = try openBound(family: AF_INET6, address: &address6, reuseAddress: true) { _ in port }
                return PortReservation(port: port, descriptors: [ipv4, ipv6])
            } catch let error as SocketError {
                // Free on 127.0.0.1 but not on ::1: try another port.
                close(ipv4)
                lastError = error
            }
        }
        throw lastError
    }

    /// Whether this machine has IPv6 loopback (containers often do not).
    public static func ipv6Available() -> Bool {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return (try? bound(family: AF_INET6, address: &address) { _ in true }) ?? false
    }

    /// Binds a TCP socket to `address` for a moment and reports the bound address through `read`.
    private static func bound<Address, Result>(family: Int32, address: inout Address, reuseAddress: Bool = false,
                                               _ read: (Address) -> Result) throws -> Result {
        let (descriptor, result) = try openBound(family: family, address: &address, reuseAddress: reuseAddress, read)
        close(descriptor)
        return result
    }

    /// Opens a TCP socket of `family` (with SO_REUSEADDR if asked), binds it to `address` (port 0:
    /// any) and reports the bound address through `read`; the socket is returned open.
    fileprivate static func openBound<Address, Result>(family: Int32, address: inout Address, reuseAddress: Bool,
                                                       _ read: (Address) -> Result) throws -> (Int32, Result) {
        #if canImport(Glibc)
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(family, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw SocketError(code: errno) }
        if reuseAddress {
            var one: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var length = socklen_t(MemoryLayout<Address>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard ok else {
            let code = errno
            close(descriptor)
            throw SocketError(code: code)
        }
        return (descriptor, read(address))
    }

    /// A socket call failed, with its errno.
    public struct SocketError: Error, CustomStringConvertible {
        public var code: Int32
        public var description: String { String(cString: strerror(code)) }
    }
}

/// A port held for a server that listens on it later (see ``LoopbackSocket/reservePort(includingIPv6:)``).
/// The sockets close on ``release()`` or when the reservation is gone; children never inherit them.
public final class PortReservation {
    /// The port held.
    public let port: Int
    private var descriptors: [Int32]

    fileprivate init(port: Int, descriptors: [Int32]) {
        self.port = port
        self.descriptors = descriptors
    }

    /// Lets the port go.
    public func release() {
        for descriptor in descriptors { close(descriptor) }
        descriptors = []
    }

    deinit { release() }
}
