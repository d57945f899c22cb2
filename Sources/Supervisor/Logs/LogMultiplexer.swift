import Foundation
import Synchronization

/// The one writer of the terminal: every process's lines and the supervisor's own go through it.
///
/// Each call writes whole lines under a lock, straight to the descriptor with write(2), so lines
/// never interleave mid-line and appear as they happen even when stdout is a pipe or a file.
/// A reader that stops reading (a paused terminal) holds the writers back, and with them the
/// children, as a terminal would: nothing piles up in memory.
public final class LogMultiplexer: Sendable {
    private struct Output {
        /// The reader is gone (EPIPE): output is dropped from then on.
        var broken = false
        /// A file every write also goes to, until ``detach()``.
        var copy: Int32?
    }

    private let descriptor: Int32
    /// The look of the prefixes.
    public let style: LogStyle
    private let lock = Mutex(Output())

    /// A multiplexer writing to `descriptor` (stdout by default).
    public init(style: LogStyle, descriptor: Int32 = STDOUT_FILENO) {
        self.style = style
        self.descriptor = descriptor
    }

    /// Writes a line of the supervisor's own (`apphost | text`); several lines for a multi-line text.
    public func announce(_ text: String) {
        let prefix = style.systemPrefix()
        let time = style.timestamps ? LogStyle.timeOfDay() : []
        var bytes: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            bytes += time
            bytes += prefix
            bytes += Array(line.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        write(bytes)
    }

    /// From now on, every line also goes to `file` (an open descriptor the multiplexer now owns).
    public func copy(to file: Int32) {
        lock.withLock { $0.copy = file }
    }

    /// From now on, every line also goes to a new log at `path` (an earlier one is kept as
    /// `path.1`, as the processes' logs are); false if it cannot be written.
    @discardableResult
    public func copy(toLogAt path: String) -> Bool {
        let file = LogFile.openFresh(path)
        guard file >= 0 else { return false }
        copy(to: file)
        return true
    }

    /// Leaves the terminal for the copy: stdout and stderr become the copy's file, so what is
    /// written after this line (by this multiplexer or anything else writing to them) goes there
    /// only, in order. For `apphost run --detach`: the process that started this one stops
    /// reading once it sees the end of its pipe. Does nothing without a copy.
    public func detach() {
        lock.withLock { output in
            guard let copy = output.copy else { return }
            dup2(copy, STDOUT_FILENO)
            dup2(copy, STDERR_FILENO)
            close(copy)
            output.copy = nil
            output.broken = false
        }
    }

    /// Writes `bytes`, which hold whole lines, as one uninterrupted piece.
    func write(_ bytes: [UInt8]) {
        lock.withLock { output in
            // The copy is a file: a failed write there (a full disk) must not stop the terminal.
            if let copy = output.copy { _ = Self.writeAll(bytes, to: copy) }
            // Once the reader is gone (EPIPE), output is dropped; supervision goes on.
            guard !output.broken else { return }
            output.broken = !Self.writeAll(bytes, to: descriptor)
        }
    }

    /// Writes all of `bytes` to `descriptor`; false when it cannot (the reader is gone).
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR || errno == EAGAIN {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }
}
