/// What publishing needs to know about the disk, found by the command line (this module does
/// no I/O): where the infrastructure goes and what each project's folder holds.
public struct PublishLayout: Sendable {
    /// The output folder relative to apphost.yaml's folder (`infra`), with `/` separators.
    public var infraFolder: String
    /// The names of the files in each project's working directory, by project name.
    public var projectFiles: [String: Set<String>]

    /// A layout with these facts.
    public init(infraFolder: String = "infra", projectFiles: [String: Set<String>] = [:]) {
        self.infraFolder = infraFolder
        self.projectFiles = projectFiles
    }

    /// `project`'s working directory relative to apphost.yaml's folder (`.` for that folder).
    static func folder(of project: ProjectResource) -> String {
        let folder = (project.workingDirectory ?? ".").split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        return folder.isEmpty ? "." : folder
    }

    /// The path from folder `from` to `to`, both relative to apphost.yaml's folder or both
    /// absolute, with `..` where `to` is outside `from`.
    public static func relativePath(from: String, to: String) -> String {
        let source = from.split(separator: "/").filter { $0 != "." }
        let target = to.split(separator: "/").filter { $0 != "." }
        var common = 0
        while common < source.count, common < target.count, source[common] == target[common] { common += 1 }
        let up = Array(repeating: "..", count: source.count - common)
        let path = (up + target[common...].map(String.init)).joined(separator: "/")
        return path.isEmpty ? "." : path
    }
}
