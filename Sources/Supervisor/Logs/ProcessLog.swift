import Foundation
import Synchronization

/// Everything one process writes: its lines on the terminal (prefixed), in its log file, and
/// the last few kept in memory to show when it fails.
final class ProcessLog: Sendable {
    /// Which of the process's streams a line came from.
    enum Stream: Sendable {
        case output, error
    }

    private let terminal: LogMultiplexer
    private let file: LogFile?
    private let redactor: Redactor
    private let outputPrefix: [UInt8]
    private let errorPrefix: [UInt8]
    private let maximumLineLength: Int
    private let recent = Mutex<[String]>([])
    /// Hears every line (masked), when someone asked for them.
    private let observer: (@Sendable (_ lines: [String], _ isError: Bool) -> Void)?
    /// How many lines ``recentLines`` keeps.
    static let recentLimit = 10

    init(name: String, index: Int, terminal: LogMultiplexer, file: LogFile?, redactor: Redactor, maximumLineLength: Int,
         observer: (@Sendable (_ lines: [String], _ isError: Bool) -> Void)? = nil) {
        self.observer = observer
        self.terminal = terminal
        self.file = file
        self.redactor = redactor
        self.maximumLineLength = maximumLineLength
        outputPrefix = terminal.style.prefix(name: name, index: index, isError: false)
        errorPrefix = terminal.style.prefix(name: name, index: index, isError: true)
    }

    /// The last lines the process wrote (both streams), oldest first.
    var recentLines: [String] { recent.withLock { $0 } }

    /// Reads `descriptor` until end of file on a thread of its own, which owns and then closes
    /// it; the returned latch opens then. A line without its newline is shown after 100 ms of
    /// silence, so prompts and progress appear.
    ///
    /// The thread is not awaited: a process that escaped its group could hold the pipe open for
    /// ever, and the supervisor must not wait on it.
    func startPump(_ descriptor: Int32, stream: Stream) -> Latch {
        let drained = Latch()
        DedicatedThread.start(named: "log") { [self] in
            var splitter = LineSplitter(maximumLength: maximumLineLength)
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                if splitter.hasPartialLine, !Self.readable(descriptor, withinMilliseconds: 100) {
                    var lines: [ArraySlice<UInt8>] = []
                    splitter.flush { lines.append($0) }
                    record(lines, stream: stream)
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                var lines: [ArraySlice<UInt8>] = []
                splitter.feed(buffer[..<count]) { lines.append($0) }
                if !lines.isEmpty { record(lines, stream: stream) }
            }
            var lines: [ArraySlice<UInt8>] = []
            splitter.flush { lines.append($0) }
            if !lines.isEmpty { record(lines, stream: stream) }
            close(descriptor)
            drained.open()
        }
        return drained
    }

    /// Writes `lines` to the terminal and the file, and keeps the last of them.
    private func record(_ lines: [ArraySlice<UInt8>], stream: Stream) {
        let prefix = stream == .output ? outputPrefix : errorPrefix
        let time = terminal.style.timestamps ? LogStyle.timeOfDay() : []
        let fileTime = file == nil ? [] : LogFile.timestamp()
        let fileMark: [UInt8] = Array((stream == .output ? "| " : "! ").utf8)
        var screen: [UInt8] = []
        var disk: [UInt8] = []
        screen.reserveCapacity(lines.reduce(0) { $0 + $1.count + prefix.count + time.count + 1 })
        let redacted = lines.map(redactor.redact)
        for line in redacted {
            screen += time
            screen += prefix
            screen += line
            screen.append(UInt8(ascii: "\n"))
            if file != nil {
                disk += fileTime
                disk += fileMark
                disk += line
                disk.append(UInt8(ascii: "\n"))
            }
        }
        terminal.write(screen)
        file?.append(disk)
        if let observer {
            observer(redacted.map { String(decoding: $0, as: UTF8.self) }, stream == .error)
        }
        let last = redacted.suffix(Self.recentLimit).map { String(decoding: $0, as: UTF8.self) }
        recent.withLock { recent in
            recent.append(contentsOf: last)
            if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
        }
    }

    private static func readable(_ descriptor: Int32, withinMilliseconds timeout: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, timeout) != 0
    }
}
