import Foundation

/// Finds the program of a command the way a shell would: a name with a slash is a path (relative
/// to the working directory), any other name is looked up on `PATH`.
public struct ExecutableLocator: Sendable {
    /// The folders of `PATH`, in order.
    public let searchPath: [String]

    /// A locator over `path` (a `PATH` value; empty entries mean the current folder, as in sh).
    public init(path: String?) {
        searchPath = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "." : String($0) }
    }

    /// Why a program cannot be run.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// No file of that name on `PATH`.
        case notOnPath(String)
        /// The path names no file.
        case noSuchFile(String)
        /// The file exists but may not be executed.
        case notExecutable(String)

        public var description: String {
            switch self {
            case .notOnPath(let name): "'\(name)' not found on PATH"
            case .noSuchFile(let path): "'\(path)' does not exist"
            case .notExecutable(let path): "'\(path)' is not an executable file (chmod +x?)"
            }
        }
    }

    /// The absolute path of `program` for a process that runs in `directory`.
    public func locate(_ program: String, in directory: String?) throws(Failure) -> String {
        let base = directory ?? FileManager.default.currentDirectoryPath
        if program.contains("/") {
            let path = program.hasPrefix("/") ? program : (base as NSString).appendingPathComponent(program)
            guard FileManager.default.fileExists(atPath: path) else { throw .noSuchFile(program) }
            guard Self.isExecutableFile(path) else { throw .notExecutable(program) }
            return path
        }
        for folder in searchPath {
            let absoluteFolder = folder.hasPrefix("/") ? folder : (base as NSString).appendingPathComponent(folder)
            let candidate = (absoluteFolder as NSString).appendingPathComponent(program)
            if Self.isExecutableFile(candidate) { return candidate }
        }
        throw .notOnPath(program)
    }

    /// The names of the programs on `PATH`, for "did you mean" hints.
    public func programNames() -> Set<String> {
        var names = Set<String>()
        for folder in searchPath where folder.hasPrefix("/") {
            names.formUnion((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        }
        return names
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && access(path, X_OK) == 0
    }
}
