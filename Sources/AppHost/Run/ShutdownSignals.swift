import Dispatch
import Foundation
import Supervisor
import Synchronization

/// Turns SIGINT (Ctrl-C), SIGTERM and SIGHUP into shutdown requests for the supervisor: the
/// first stops everything in order, a second kills everything at once.
final class ShutdownSignals {
    /// The requests, one per signal received.
    let requests: AsyncStream<ShutdownRequest>
    private let sources: [any DispatchSourceSignal]

    /// Starts listening; the signals no longer end apphost by themselves.
    init(onFirst: @escaping @Sendable (Int32) -> Void) {
        let (requests, continuation) = AsyncStream.makeStream(of: ShutdownRequest.self)
        self.requests = requests
        let received = SignalCounter()
        sources = [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if received.increment() == 1 { onFirst(number) }
                continuation.yield(.graceful)
            }
            source.resume()
            return source
        }
    }

    /// Stops listening.
    func cancel() {
        sources.forEach { $0.cancel() }
    }
}

/// How many shutdown signals arrived.
private final class SignalCounter: Sendable {
    private let count = Mutex(0)

    func increment() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }
}
