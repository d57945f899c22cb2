import Foundation
import Synchronization

/// The one writer of the terminal: every process's lines and the supervisor's own go through it.
///
/// Each call writes whole lines under a lock, straight to the descriptor with write(2), so lines
/// never interleave mid-line and appear as they happen even when stdout is a pipe or a file.
/// A reader that stops reading (a paused terminal) holds the writers back, and with them the
/// children, as a terminal would: nothing piles up in memory.
public final class LogMultiplexer: Sendable {
    private let descriptor: Int32
    /// The look of the prefixes.
    public let style: LogStyle
    private let lock = Mutex(false)

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

    /// Writes `bytes`, which hold whole lines, as one uninterrupted piece.
    func write(_ bytes: [UInt8]) {
        lock.withLock { broken in
            // Once the reader is gone (EPIPE), output is dropped; supervision goes on.
            guard !broken else { return }
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0, errno == EINTR || errno == EAGAIN {
                        continue
                    } else {
                        broken = true
                        return
                    }
                }
            }
        }
    }
}
