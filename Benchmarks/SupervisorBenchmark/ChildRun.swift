import Foundation

/// A program the benchmark runs, with its stdout (and stderr) read line by line.
final class ChildRun {
    private let process = Process()
    private let output: FileHandle
    private let started = Date()
    private var buffer = Data()
    private var ended: Date?

    /// Starts `path ARGUMENTS` in `folder`.
    init(_ path: String, _ arguments: [String], in folder: String) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        output = pipe.fileHandleForReading
        try process.run()
    }

    /// A measurement that fails half way must not leave its run behind: SIGINT, as Ctrl-C, and
    /// the run stops what it started.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
        }
    }

    /// The child's pid.
    var pid: Int32 { process.processIdentifier }

    /// Seconds from the start to the end (or to now).
    var elapsed: Double { (ended ?? Date()).timeIntervalSince(started) }

    /// Reads until a line containing `text`; fails at end of output or after `timeout` seconds.
    func waitForLine(containing text: String, timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.contains(text) {
                    ended = Date()
                    return line
                }
                continue
            }
            // availableData blocks until output comes: wait for it with the time that is left.
            var readable = pollfd(fd: output.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let waited = poll(&readable, 1, Int32(max(0, deadline.timeIntervalSinceNow) * 1000))
            if waited == 0 || (waited < 0 && errno == EINTR) { continue }
            let chunk = output.availableData
            if chunk.isEmpty { throw BenchmarkFailure("the output ended before a line with '\(text)'") }
            buffer.append(chunk)
        }
        throw BenchmarkFailure("no line with '\(text)' within \(timeout) s")
    }

    /// Reads to the end of the output, counting its lines (a handful are the tool's own status
    /// lines, next to a million of the child's); records the end time.
    func countLinesUntilExit() -> Int {
        let descriptor = output.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var count = 0
        while true {
            let read = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if read < 0, errno == EINTR { continue }
            if read <= 0 { break }
            for index in 0..<read where buffer[index] == 0x0A { count += 1 }
        }
        process.waitUntilExit()
        ended = Date()
        return count
    }

    /// Reads to the end of the output; for each line of the process named `marker` (which prints
    /// the time in nanoseconds), how long after printing it arrived. Returns p50, p99 and max.
    func quietLineDelays(marker: String) -> String {
        var delays: [Double] = []
        var carry = Data()
        while true {
            let chunk = output.availableData
            if chunk.isEmpty { break }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let arrived = Double(now.tv_sec) * 1e9 + Double(now.tv_nsec)
            carry.append(chunk)
            var start = carry.startIndex
            while let newline = carry[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = carry[start..<newline]
                start = newline + 1
                guard line.count < 80, let text = String(data: line, encoding: .utf8), text.contains(marker),
                      let printed = text.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
                delays.append((arrived - printed) / 1e6)
            }
            carry.removeSubrange(carry.startIndex..<start)
        }
        process.waitUntilExit()
        ended = Date()
        delays.sort()
        guard !delays.isEmpty else { return "no lines" }
        let p99 = delays[min(delays.count - 1, Int(Double(delays.count) * 0.99))]
        return String(format: "%d lines, p50 %.1f ms, p99 %.1f ms, max %.1f ms", delays.count, delays[delays.count / 2], p99, delays.last!)
    }

    /// Sends SIGINT, as Ctrl-C would.
    func interrupt() { kill(process.processIdentifier, SIGINT) }

    /// Drains the output and waits for the exit status.
    func waitForExit() -> Int32 {
        while !output.availableData.isEmpty {}
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A measurement that could not be made.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
