import NIOCore
import Synchronization

/// Every socket the emulator has accepted and not yet closed.
///
/// A graceful shutdown asks each server to stop once its requests are answered, but some
/// sockets never get that far: a client that connected and sent nothing, one that sent half a
/// request head or half a body, a stream whose client stopped reading. Such a socket would keep
/// the emulator alive for as long as the client likes. The shutdown closes them through this
/// list, and every socket accepted after that is closed at once.
final class OpenChannels: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var closing = false
    }

    private let state = Mutex(State())

    /// Remembers `channel` until it closes; closes it at once if the emulator is closing.
    func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        let closeNow = state.withLock { state in
            if state.closing { return true }
            state.channels[key] = channel
            return false
        }
        if closeNow {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { _ = $0.channels.removeValue(forKey: key) }
        }
    }

    /// The number of sockets open now.
    var count: Int { state.withLock { $0.channels.count } }

    /// Closes every open socket, and from now on every socket as soon as it is accepted.
    /// Returns how many were closed.
    @discardableResult
    func closeAll() -> Int {
        let open = state.withLock { state in
            state.closing = true
            return Array(state.channels.values)
        }
        for channel in open { channel.close(promise: nil) }
        return open.count
    }
}
