import Emulator
import Resources

/// Finds free TCP ports by asking the kernel for one on loopback (bind to port 0).
///
/// The ports of `reservedFor` (the emulators, whose servers bind with SO_REUSEADDR) are also
/// held until apphost exits, so no other process can take one between now and the emulator's
/// bind, nor while it restarts. Projects' ports are not held: an app that binds without
/// SO_REUSEADDR would find its own port taken.
struct SystemPortAllocator: PortAllocator {
    /// The resources whose ports are held.
    var reservedFor: Set<String> = []
    /// The ports held so far.
    private(set) var reservations: [PortReservation] = []

    mutating func freePort(for resource: String) throws -> Int {
        do {
            guard reservedFor.contains(resource) else { return try LoopbackSocket.freePort() }
            let reservation = try LoopbackSocket.reservePort(includingIPv6: LoopbackSocket.ipv6Available())
            reservations.append(reservation)
            return reservation.port
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
