/// Which changed files count for `apphost run --watch`: not what tools write beside the sources
/// (version control, caches, dependencies, editors' swap and backup files, logs), which would
/// otherwise restart a project over and over.
public enum WatchFilter {
    /// Folders never watched, wherever they are.
    static let ignoredFolders: Set<String> = ["node_modules", "__pycache__", "bin", "obj"]
    /// Endings of files that are not sources: editors' backups and swap files, compiled Python,
    /// logs, and the databases an app writes beside itself (SQLite and its journals).
    static let ignoredSuffixes = ["~", ".pyc", ".pyo", ".swp", ".swx", ".tmp", ".log",
                                  ".db", ".sqlite", ".sqlite3", "-journal", "-wal", "-shm"]

    /// Whether a change to `path` (relative to the watched folder, `/`-separated) counts.
    public static func counts(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        guard let name = components.last else { return false }
        // Hidden files and folders: .git, .venv, .apphost, .build, editors' .file.swp…
        if components.contains(where: { $0.hasPrefix(".") }) { return false }
        if components.dropLast().contains(where: { ignoredFolders.contains(String($0)) }) { return false }
        return !ignoredSuffixes.contains { name.hasSuffix($0) } && !name.hasPrefix("#")
    }

    /// Whether the folder `path` (relative) is watched at all.
    static func watchesFolder(_ path: String) -> Bool {
        guard let name = path.split(separator: "/").last else { return true }
        return !name.hasPrefix(".") && !ignoredFolders.contains(String(name))
    }
}
