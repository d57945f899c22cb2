import Emulator
import Resources

/// Finds free TCP ports by asking the kernel for one on loopback (bind to port 0).
struct SystemPortAllocator: PortAllocator {
    mutating func freePort(for resource: String) throws -> Int {
        do {
            return try LoopbackSocket.freePort()
        } catch {
            throw PortAllocationError(reason: "\(error)")
        }
    }
}

/// The kernel would not give a free port.
struct PortAllocationError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "cannot find a free port on 127.0.0.1: \(reason)" }
}
