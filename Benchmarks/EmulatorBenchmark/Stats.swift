import Foundation
import Synchronization

/// What the load clients observe, shared by every client of one measurement.
final class Stats: Sendable {
    /// Invocations received, over all clients.
    let deliveries = Atomic<Int>(0)
    /// The highest sequence number the sampling client has seen (the driver's flow control).
    let highestSeen = Atomic<Int>(-1)
    private let sendTimes = Mutex<[Int: UInt64]>([:])
    private let latencies = Mutex<[Double]>([])

    /// Notes when message `sequence` was sent.
    func sent(_ sequence: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        sendTimes.withLock { $0[sequence] = now }
    }

    /// Notes that a sampling client received `sequence` now.
    func received(_ sequence: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard let sentAt = sendTimes.withLock({ $0[sequence] }) else { return }
        latencies.withLock { $0.append(Double(now - sentAt) / 1e6) }
    }

    /// Latency percentiles in milliseconds.
    func percentiles() -> (p50: Double, p99: Double, samples: Int) {
        let sorted = latencies.withLock { $0.sorted() }
        guard !sorted.isEmpty else { return (0, 0, 0) }
        func at(_ fraction: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] }
        return (at(0.5), at(0.99), sorted.count)
    }
}

/// Writes a line to stdout at once (print is block-buffered when stdout is a file or pipe).
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
