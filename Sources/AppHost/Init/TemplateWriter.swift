import Foundation

/// Writes a template's files into a folder, all or nothing: it refuses to replace a file unless
/// told to, and when a write fails it removes what it had written, so a failed `init` loses
/// nothing and leaves nothing half made.
struct TemplateWriter {
    /// The folder the application goes into (created if missing).
    let folder: URL
    /// Whether existing files may be replaced.
    let replacesExisting: Bool

    /// Why a template could not be written.
    enum Failure: Error, CustomStringConvertible {
        /// Files that are there already (relative paths) and would be replaced.
        case wouldReplace([String])
        /// A path that exists but is not a file (a folder where a file goes).
        case notAFile(String)
        /// The file system refused; nothing written is left behind.
        case cannotWrite(path: String, reason: String)

        var description: String {
            switch self {
            case .wouldReplace(let paths): "would replace \(paths.map { "'\($0)'" }.joined(separator: ", "))"
            case .notAFile(let path): "'\(path)' is in the way: it is a folder, where the template has a file"
            case .cannotWrite(let path, let reason): "cannot write '\(path)': \(reason)"
            }
        }
    }

    /// Writes every file of `template`; returns their relative paths in order.
    func write(_ template: Template) throws(Failure) -> [String] {
        try checkCollisions(template)
        var createdFiles: [URL] = []
        var replacedFiles: [(url: URL, contents: Data)] = []
        var createdFolders: [URL] = []
        do {
            for file in template.files {
                let url = folder.appendingPathComponent(file.path)
                createdFolders += try makeFolders(for: url.deletingLastPathComponent())
                if let previous = FileManager.default.contents(atPath: url.path) {
                    replacedFiles.append((url, previous))
                } else {
                    createdFiles.append(url)
                }
                try writeFile(file, to: url)
            }
        } catch {
            // Undo: put back what was replaced, then remove what is new, newest first, so each
            // folder is empty when its turn comes.
            for (url, contents) in replacedFiles { try? contents.write(to: url, options: .atomic) }
            for url in createdFiles.reversed() { try? FileManager.default.removeItem(at: url) }
            for url in createdFolders.reversed() { rmdir(url.path) }
            throw error
        }
        return template.files.map(\.path)
    }

    private func checkCollisions(_ template: Template) throws(Failure) {
        var existing: [String] = []
        for file in template.files {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(file.path).path, isDirectory: &isFolder) else { continue }
            if isFolder.boolValue { throw .notAFile(file.path) }
            existing.append(file.path)
        }
        if !existing.isEmpty, !replacesExisting { throw .wouldReplace(existing) }
    }

    /// Creates `url` and the folders above it that are missing; returns those it created, outermost first.
    private func makeFolders(for url: URL) throws(Failure) -> [URL] {
        var missing: [URL] = []
        var candidate = url.standardizedFileURL
        while !FileManager.default.fileExists(atPath: candidate.path), candidate.path != "/" {
            missing.insert(candidate, at: 0)
            candidate = candidate.deletingLastPathComponent()
        }
        var created: [URL] = []
        for folder in missing {
            guard mkdir(folder.path, 0o755) == 0 else {
                for url in created.reversed() { rmdir(url.path) }
                throw .cannotWrite(path: folder.path, reason: String(cString: strerror(errno)))
            }
            created.append(folder)
        }
        return created
    }

    private func writeFile(_ file: TemplateFile, to url: URL) throws(Failure) {
        let data = Data(file.contents.utf8)
        let mode: Int = file.executable ? 0o755 : 0o644
        do {
            try data.write(to: url, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        } catch {
            throw .cannotWrite(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }
}
