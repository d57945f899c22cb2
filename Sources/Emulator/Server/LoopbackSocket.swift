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

    /// Whether this machine has IPv6 loopback (containers often do not).
    public static func ipv6Available() -> Bool {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return (try? bound(family: AF_INET6, address: &address) { _ in true }) ?? false
    }

    private static func bound<Address, Result>(family: Int32, address: inout Address, reuseAddress: Bool = false,
                                               _ read: (Address) -> Result) throws -> Result {
        #if canImport(Glibc)
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(family, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw SocketError(code: errno) }
        defer { close(descriptor) }
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
        guard ok else { throw SocketError(code: errno) }
        return read(address)
    }

    /// A socket call failed, with its errno.
    public struct SocketError: Error, CustomStringConvertible {
        public var code: Int32
        public var description: String { String(cString: strerror(code)) }
    }
}
