import Foundation
import Supervisor

/// One `apphost run` per apphost.yaml at a time: two would share `.apphost/` (the second would
/// rotate the first one's logs away and replace its dashboard address) and start every app twice.
///
/// The lock is `flock` on `.apphost/run.lock`, held by an open descriptor for the whole run. The
/// kernel drops it when apphost ends in any way, SIGKILL included, so no stale lock is ever left;
/// the descriptor is close-on-exec, so no app apphost starts can keep it.
struct RunLock: ~Copyable {
    private let descriptor: Int32

    /// Takes the lock of the application whose state folder is `stateFolder` (created if
    /// missing), or says which process holds it.
    static func acquire(in stateFolder: URL, for file: String) throws(CommandFailure) -> RunLock {
        do {
            try AccessKeyStore.prepareStateFolder(stateFolder)
        } catch {
            throw .runtimeFailure("error: cannot create \(stateFolder.path): \(error)")
        }
        let path = stateFolder.appendingPathComponent("run.lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .runtimeFailure("error: cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.readPID(descriptor)
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw .runtimeFailure("error: cannot lock \(path): \(String(cString: strerror(reason)))")
            }
            let pid = holder.map { " (pid \($0))" } ?? ""
            let stop = holder.map { "Ctrl-C in its terminal (or `kill \($0)`)" } ?? "Ctrl-C in its terminal"
            throw .userError("""
                error: apphost is already running \(file)\(pid); one run at a time per apphost.yaml
                    hint: `apphost ps` and `apphost logs` show that run; \(stop) stops it
                """)
        }
        // Who holds it, for the message above; the lock itself is the flock.
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return RunLock(descriptor: descriptor)
    }

    /// The run holding the lock of `stateFolder`, or nil when none does.
    static func holder(in stateFolder: URL) -> RunHolder? {
        let descriptor = open(stateFolder.appendingPathComponent("run.lock").path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            close(descriptor)
            return nil
        }
        return RunHolder(pid: readPID(descriptor), descriptor: descriptor)
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    fileprivate static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// A run that holds the lock, seen from another process (`apphost down`).
struct RunHolder: ~Copyable {
    /// Its process id, as it wrote it (nil in the instant between taking the lock and writing).
    let pid: Int32?
    fileprivate let descriptor: Int32

    /// Returns once the run has ended: the kernel grants the lock only then.
    consuming func waitUntilEnded() async {
        let descriptor = descriptor
        discard self
        // flock blocks: a thread of its own keeps it off the tasks' threads.
        await DedicatedThread.run(named: "apphost run lock") {
            while flock(descriptor, LOCK_SH) != 0, errno == EINTR {}
            close(descriptor)
        }
    }

    deinit {
        close(descriptor)
    }
}
