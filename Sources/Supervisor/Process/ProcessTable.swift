import Foundation

/// One process as Linux's /proc describes it: enough to walk a process tree and to see which
/// processes left the group they were started in.
struct ProcessEntry: Sendable, Equatable {
    /// The process id.
    let pid: pid_t
    /// The program's name as the kernel keeps it (at most 15 bytes).
    let command: String
    /// The one-letter state: R, S, D, T, Z (zombie) and so on.
    let state: Character
    /// The parent's process id.
    let parent: pid_t
    /// The process group id.
    let group: pid_t

    /// Dead and waiting to be reaped: it holds nothing and can receive nothing.
    var isZombie: Bool { state == "Z" || state == "X" }
}

/// Reads processes and their children from /proc.
enum ProcessTable {
    /// The process `pid`, or nil when it no longer exists.
    static func entry(_ pid: pid_t) -> ProcessEntry? {
        guard let text = readSmallFile("/proc/\(pid)/stat") else { return nil }
        return parseStat(text)
    }

    /// Parses a /proc/PID/stat line. The name sits in parentheses and may itself hold spaces and
    /// parentheses, so the fields after it are found from the last ')'.
    static func parseStat(_ text: String) -> ProcessEntry? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close,
              let pid = pid_t(text[..<open].trimmingCharacters(in: .whitespaces)) else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 4, let state = fields[0].first, let parent = pid_t(fields[1]), let group = pid_t(fields[2]) else { return nil }
        return ProcessEntry(pid: pid, command: String(text[text.index(after: open)..<close]), state: state,
                            parent: parent, group: group)
    }

    /// The children of every thread of `pid` (a thread that forks is the child's parent).
    /// Read with opendir(3) rather than FileManager: the watch asks this of every process twice
    /// a second, and this is what its idle cost is made of.
    static func children(of pid: pid_t) -> [pid_t] {
        guard let threads = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(threads) }
        var children: [pid_t] = []
        while let entry = readdir(threads) {
            let thread = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard pid_t(thread) != nil, let text = readSmallFile("/proc/\(pid)/task/\(thread)/children") else { continue }
            children += text.split(separator: " ").compactMap { pid_t($0) }
        }
        return children
    }

    /// A /proc file's text; these files report a size of 0, so they are read to the end.
    private static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        // /proc/PID/stat and the children lists fit in one read almost always.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { chunk in
            while true {
                let count = read(descriptor, chunk.baseAddress, chunk.count)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                bytes += chunk[..<count]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
