import Foundation

/// Names the process listening on a TCP port, for "port 8080 is in use by python3 (pid 1234)".
/// Reads Linux's /proc: the listening socket's inode from /proc/net/tcp{,6}, then the process
/// holding that socket among /proc/*/fd. Only the user's own processes can be seen; elsewhere,
/// or when nothing is found, the answer is nil.
public enum PortOwner {
    /// The process listening on `port`, as `name (pid N)`, if it can be told.
    public static func describe(port: Int) -> String? {
        guard let inode = listeningInode(port: port) else { return nil }
        let target = "socket:[\(inode)]"
        guard let processes = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for pid in processes where Int(pid) != nil {
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for descriptor in descriptors {
                guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")) == target else { continue }
                let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "a process"
                return "\(name) (pid \(pid))"
            }
        }
        return nil
    }

    /// The inode of a socket listening on `port` (state 0A), from /proc/net/tcp and tcp6.
    static func listeningInode(port: Int) -> String? {
        let hexPort = String(format: ":%04X", port)
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[1].hasSuffix(hexPort), fields[3] == "0A" else { continue }
                return String(fields[9])
            }
        }
        return nil
    }
}
