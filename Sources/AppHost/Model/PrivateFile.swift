import Foundation

/// Files only the user may read (keys, the dashboard's token), written so that no reader ever
/// sees half of one and none exists, even for a moment, with a wider mode: a private temporary
/// file (O_EXCL, 0600) beside it, renamed over it.
enum PrivateFile {
    /// Why a file could not be written.
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot write \(path): \(reason)" }
    }

    /// Replaces the file at `path` with `data`, in one step.
    static func write(_ data: Data, to path: String) throws(Failure) {
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: temporary, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == data.count, rename(temporary, path) == 0 else {
            let reason = written == data.count ? String(cString: strerror(errno)) : "a short write"
            unlink(temporary)
            throw Failure(path: path, reason: reason)
        }
    }
}
