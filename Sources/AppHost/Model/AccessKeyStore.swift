import Foundation
import Resources

/// Keeps the random access key of each emulated SignalR resource in `.apphost/keys/`, so
/// connection strings stay the same from one run to the next.
///
/// Keys are 32 bytes from the system's cryptographic generator, base64-encoded like Azure's.
/// The folder is mode 0700 and each file 0600: only the user can read them.
struct AccessKeyStore: AccessKeyProvider {
    /// `.apphost/` beside apphost.yaml.
    let stateFolder: URL

    var keysFolder: URL { stateFolder.appendingPathComponent("keys", isDirectory: true) }

    func accessKey(for resource: String) throws -> String {
        let file = keysFolder.appendingPathComponent("\(resource).key")
        if let existing = try? String(contentsOf: file, encoding: .utf8) {
            let key = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            if !key.isEmpty {
                chmod(file.path, 0o600)  // tighten a key file whose mode was loosened by hand
                return key
            }
        }
        try Self.prepareStateFolder(stateFolder)
        try createFolder(keysFolder)
        let key = Self.generateKey()
        try write(key, to: file)
        return key
    }

    /// 32 random bytes, base64: 44 characters, like an Azure SignalR access key.
    static func generateKey() -> String {
        Data(randomBytes(32)).base64EncodedString()
    }

    /// `count` bytes from the system's cryptographically secure generator (getrandom(2)), for
    /// keys and tokens.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// `count` random bytes as lowercase hex, for secrets that travel in URLs and headers.
    static func randomHex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String(randomBytes(count).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }

    /// Creates `.apphost/` (mode 0700) if needed, with a `.gitignore` that keeps all of it, keys
    /// and logs, out of git, as `.pytest_cache/` and `.build/` do for their tools.
    static func prepareStateFolder(_ folder: URL) throws {
        try createFolder(folder)
        let ignore = folder.appendingPathComponent(".gitignore").path
        guard !FileManager.default.fileExists(atPath: ignore) else { return }
        let text = "# apphost's own state: access keys and logs. Never commit it.\n*\n"
        _ = FileManager.default.createFile(atPath: ignore, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644])
    }

    private static func createFolder(_ folder: URL) throws {
        if mkdir(folder.path, 0o700) != 0 && errno != EEXIST {
            throw KeyStoreError(path: folder.path, reason: String(cString: strerror(errno)))
        }
    }

    private func createFolder(_ folder: URL) throws { try Self.createFolder(folder) }

    private func write(_ key: String, to file: URL) throws {
        do {
            try PrivateFile.write(Data((key + "\n").utf8), to: file.path)
        } catch {
            throw KeyStoreError(path: file.path, reason: error.reason)
        }
    }
}

/// A key or identity file that could not be created.
struct KeyStoreError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var what = "an access key"
    var description: String { "cannot store \(what) in \(path): \(reason)" }
}
