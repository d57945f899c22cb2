import Foundation
import Synchronization

/// A process's log on disk (`.apphost/logs/<name>.log`), rotated at a size limit: the full file
/// becomes `<name>.log.1` (replacing the one before) and a new one starts. The previous run's
/// log is kept as `<name>.log.1` too. Written without colours, each line after a UTC timestamp.
final class LogFile: Sendable {
    private struct State {
        var descriptor: Int32
        var size: Int
    }

    private let path: String
    private let limit: Int
    private let state: Mutex<State>

    /// Opens a fresh log at `path`, keeping an existing one as `path.1`; nil if it cannot be written.
    init?(path: String, limit: Int) {
        self.path = path
        self.limit = limit
        let descriptor = Self.openFresh(path)
        guard descriptor >= 0 else { return nil }
        state = Mutex(State(descriptor: descriptor, size: 0))
    }

    deinit {
        _ = state.withLock { close($0.descriptor) }
    }

    /// Appends whole lines; rotates first when they would pass the limit.
    func append(_ bytes: [UInt8]) {
        state.withLock { state in
            if state.size > 0, state.size + bytes.count > limit {
                close(state.descriptor)
                Self.rotate(path)
                state.descriptor = Self.open(path)
                state.size = 0
            }
            guard state.descriptor >= 0 else { return }
            let written = bytes.withUnsafeBytes { Foundation.write(state.descriptor, $0.baseAddress, $0.count) }
            if written > 0 { state.size += written }
        }
    }

    /// The current UTC time as an ISO 8601 prefix, `2026-11-29T04:30:00.123Z `.
    static func timestamp() -> [UInt8] {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                          parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec / 1_000_000))
        return Array(text.utf8)
    }

    /// Opens a new log at `path`, keeping an existing one as `path.1`; -1 if it cannot be written.
    static func openFresh(_ path: String) -> Int32 {
        if FileManager.default.fileExists(atPath: path) { rotate(path) }
        return open(path)
    }

    private static func open(_ path: String) -> Int32 {
        Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
    }

    private static func rotate(_ path: String) {
        _ = rename(path, path + ".1")
    }
}
