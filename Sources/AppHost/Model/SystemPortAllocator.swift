import Foundation
import Resources

/// Finds free TCP ports by asking the kernel for one on loopback (bind to port 0).
struct SystemPortAllocator: PortAllocator {
    mutating func freePort(for resource: String) throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PortAllocationError(reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw PortAllocationError(reason: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The kernel would not give a free port.
struct PortAllocationError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "cannot find a free port on 127.0.0.1: \(reason)" }
}
