import ArgumentParser
import CEpoll
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The floor under any fan-out figure on this machine: one thread writes messages of the
/// broadcast's size round robin to N loopback TCP sockets, as a server that does nothing else
/// would, and one thread drains the other ends with epoll, as a load generator that does nothing
/// else would. No WebSocket, no SignalR, no allocation per message: what is left is the kernel's
/// cost of moving a message over loopback TCP, for both sides, on the same cores.
@main
struct LoopbackCeiling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loopback-ceiling",
        abstract: "Measure how many messages per second loopback TCP itself carries to N sockets on this machine.",
        discussion: "Compare with emulator-benchmark's broadcast figure: both sides share the same cores in both."
    )

    @Option(help: "Sockets written to round robin.")
    var sockets = 1000

    @Option(help: "Bytes per message (a 2 KB broadcast is about 2,100 bytes in its WebSocket frame).")
    var messageSize = 2100

    @Option(help: "Messages per write(2): 1 is a flush per message; the emulator averaged 2.4 under load.")
    var batch = 1

    @Option(help: "Seconds to run.")
    var duration = 5.0

    func validate() throws {
        guard sockets > 0, messageSize > 0, batch > 0, duration > 0 else { throw ValidationError("every option must be positive") }
    }

    func run() throws {
        let (writers, readers) = try Self.connectedPairs(count: sockets)
        defer { (writers + readers).forEach { close($0) } }
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        defer { close(epoll) }
        for fd in readers {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: fd))
            epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
        }
        let received = ReceivedBytes()
        let writerDone = ReceivedBytes()
        let reader = Thread { Self.drain(epoll: epoll, received: received, writerDone: writerDone) }
        reader.start()

        let usageBefore = Self.cpuSeconds()
        let start = Date()
        let chunk = [UInt8](repeating: 0x61, count: messageSize * batch)
        var written = 0
        while Date().timeIntervalSince(start) < duration {
            for fd in writers {
                Self.writeAll(fd, chunk)
                written += chunk.count
            }
        }
        writerDone.add(written)
        while received.value < written { usleep(1000) }
        let elapsed = Date().timeIntervalSince(start)
        let cpu = Self.cpuSeconds() - usageBefore
        let messages = Double(written / messageSize)
        print("loopback ceiling: \(sockets) sockets, \(messageSize) B messages, \(batch) per write")
        print(String(format: "  %.0f messages/s (%.0f writes/s), %.2f cores, %.2f µs of CPU per message (writer and reader)",
                     messages / elapsed, messages / Double(batch) / elapsed, cpu / elapsed, cpu / messages * 1e6))
    }

    /// Reads every ready socket until it would block, until the writer is done and all arrived.
    private static func drain(epoll: Int32, received: ReceivedBytes, writerDone: ReceivedBytes) {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var total = 0
        while writerDone.value == 0 || total < writerDone.value {
            let ready = epoll_wait(epoll, &events, Int32(events.count), 100)
            guard ready > 0 else { continue }
            for index in 0..<Int(ready) {
                let fd = events[index].data.fd
                while true {
                    let count = read(fd, &buffer, buffer.count)
                    if count <= 0 { break }
                    total += count
                }
            }
            received.set(total)
        }
        received.set(total)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if count <= 0 { return }
                offset += count
            }
        }
    }

    /// `count` TCP connections over 127.0.0.1: the accepted ends write, the connecting ends read.
    private static func connectedPairs(count: Int) throws -> (writers: [Int32], readers: [Int32]) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                guard bind(listener, socketAddress, length) == 0, listen(listener, 4096) == 0,
                      getsockname(listener, socketAddress, &length) == 0 else { throw ValidationError("cannot listen on 127.0.0.1") }
            }
        }
        var writers: [Int32] = [], readers: [Int32] = []
        for _ in 0..<count {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var noDelay: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
            }
            guard connected == 0 else { throw ValidationError("cannot connect: errno \(errno) (open files limit?)") }
            let accepted = accept(listener, nil, nil)
            guard accepted >= 0 else { throw ValidationError("cannot accept: errno \(errno)") }
            setsockopt(accepted, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            writers.append(accepted)
            readers.append(client)
        }
        return (writers, readers)
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// A byte count shared between the two threads.
final class ReceivedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0

    var value: Int { lock.withLock { bytes } }
    func set(_ value: Int) { lock.withLock { bytes = value } }
    func add(_ value: Int) { lock.withLock { bytes += value } }
}
