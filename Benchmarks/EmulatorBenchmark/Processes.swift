import Foundation
import Synchronization

/// The servers a benchmark run started, stopped with it even when the run itself is
/// interrupted (Ctrl-C, or `timeout` sending SIGTERM), so no emulator or peer outlives it.
///
/// `@unchecked Sendable`: the signal sources are created in `init` and never changed; the set of
/// children is behind a mutex.
final class ChildReaper: @unchecked Sendable {
    private let children = Mutex<Set<Int32>>([])
    private var sources: [DispatchSourceSignal] = []

    /// Stops the children and exits when the benchmark receives SIGINT or SIGTERM.
    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                for pid in children.withLock({ $0 }) { kill(pid, SIGKILL) }
                exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }

    func adopt(_ pid: Int32) { children.withLock { _ = $0.insert(pid) } }
    func release(_ pid: Int32) { children.withLock { _ = $0.remove(pid) } }
}

/// A server the benchmark starts and stops: the emulator or its peer.
final class ServerProcess {
    let process = Process()
    private let output = Pipe()

    private let reaper: ChildReaper

    /// Starts `executable ARGUMENTS` and waits for its first stdout line (its readiness signal).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], reaper: ChildReaper) throws {
        self.reaper = reaper
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        reaper.adopt(process.processIdentifier)
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw BenchmarkError("\(executable) exited before it was ready") }
            if byte == Data([0x0A]) { break }
            line.append(byte)
        }
        firstLine = String(decoding: line, as: UTF8.self)
    }

    /// The readiness line.
    let firstLine: String

    /// Resident memory in bytes, from /proc.
    var residentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    /// Stops with `signal` (SIGTERM: a graceful stop) and waits.
    func stop(signal: Int32 = SIGTERM) {
        defer { reaper.release(process.processIdentifier) }
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Raises the open-file limit so tens of thousands of sockets fit (children inherit it).
func raiseFileLimit(to wanted: rlim_t) -> rlim_t {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    if limit.rlim_max < wanted { limit.rlim_max = wanted }
    limit.rlim_cur = min(wanted, limit.rlim_max)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return limit.rlim_cur
}
