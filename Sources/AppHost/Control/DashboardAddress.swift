import Foundation

/// Where the dashboard of a running `apphost run` listens, and its token: written to
/// `.apphost/run/dashboard.json` (mode 0600, in a 0700 folder) once it listens, and removed
/// when the run ends, so that `apphost ps`, `logs`, `start`, `stop` and `restart` in the same
/// folder find it. A run that was killed leaves its file behind; the pid tells it is stale.
struct DashboardAddress: Codable, Equatable, Sendable {
    /// The process of `apphost run`.
    var pid: Int32
    /// The dashboard's port on loopback.
    var port: Int
    /// The dashboard's token: whoever reads this file may control the run.
    var token: String

    /// `.apphost/run/dashboard.json` under `stateFolder`.
    static func file(in stateFolder: URL) -> URL {
        stateFolder.appendingPathComponent("run", isDirectory: true).appendingPathComponent("dashboard.json")
    }

    /// Writes the address into `stateFolder`, replacing any earlier one in one step, so a
    /// reader never sees half a file.
    func write(in stateFolder: URL) throws {
        let file = Self.file(in: stateFolder)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try PrivateFile.write(try JSONEncoder().encode(self), to: file.path)
    }

    /// Removes the file in `stateFolder` if it is still this run's: a later run in the same
    /// folder may have replaced it.
    func remove(from stateFolder: URL) {
        let file = Self.file(in: stateFolder)
        guard Self.read(from: stateFolder) == self else { return }
        try? FileManager.default.removeItem(at: file)
    }

    /// The address in `stateFolder`, if there is a readable one.
    static func read(from stateFolder: URL) -> DashboardAddress? {
        guard let data = FileManager.default.contents(atPath: file(in: stateFolder).path) else { return nil }
        return try? JSONDecoder().decode(DashboardAddress.self, from: data)
    }

    /// Whether the process that wrote it still exists.
    var writerIsAlive: Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
