import Foundation
import Resources

/// An apphost.yaml on disk, with the `.env` file and `.apphost/` folder beside it.
struct ModelFile {
    /// The path as the user named it (or as found), used in every message.
    let path: String

    /// The folder holding apphost.yaml: project folders and `.apphost/` are relative to it.
    var folder: URL { URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL }

    /// `.apphost/` beside apphost.yaml: keys and logs.
    var stateFolder: URL { folder.appendingPathComponent(".apphost", isDirectory: true) }

    /// Reads the file and `.env`, and loads the model.
    func load() throws(CommandFailure) -> ModelLoader.Outcome {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .userError("error: \(path): cannot read the file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return ModelLoader.Outcome(model: nil, diagnostics: [.error(
                "the file is not UTF-8 text", at: SourceLocation(file: path, line: 1, column: 1),
                hint: "apphost.yaml is a YAML text file; is this the right file?")])
        }
        let dotEnv = loadDotEnv()
        var variables = dotEnv.variables
        // As in docker compose, the environment wins over .env.
        variables.merge(ProcessInfo.processInfo.environment) { _, environment in environment }
        let loader = ModelLoader(file: path, variables: variables, defaultName: folder.lastPathComponent)
        var outcome = loader.load(text)
        if dotEnv.diagnostics.containsErrors { outcome.model = nil }
        outcome.diagnostics = dotEnv.diagnostics + outcome.diagnostics
        return outcome
    }

    /// Reads every project's `envFile`s (relative to apphost.yaml's folder) into its
    /// `fileEnvironment`; returns the problems, located at the `envFile` entry or in the file.
    func readEnvFiles(into model: inout ApplicationModel) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for index in model.resources.indices {
            guard case .project(var project) = model.resources[index], !project.envFiles.isEmpty else { continue }
            var variables: [(name: String, value: String)] = []
            for entry in project.envFiles {
                let url = entry.value.hasPrefix("/") ? URL(fileURLWithPath: entry.value) : folder.appendingPathComponent(entry.value)
                let shown = Self.shownPath(entry.value, besides: path)
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    problems.append(.error("the envFile '\(entry.value)' of '\(project.name)' cannot be read (\(url.standardizedFileURL.path))",
                                           at: entry.location, hint: "create it, or take it out of envFile (paths are relative to apphost.yaml)"))
                    continue
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    problems.append(.error("the envFile '\(entry.value)' of '\(project.name)' is not UTF-8 text", at: entry.location,
                                           hint: "an envFile holds NAME=value lines"))
                    continue
                }
                let parsed = DotEnvFile(text, file: shown)
                problems += parsed.diagnostics
                variables += parsed.orderedVariables
            }
            project.fileEnvironment = variables
            model.resources[index] = .project(project)
        }
        return problems
    }

    /// `relative` as the user would find it from the current folder: beside the apphost.yaml `modelPath` names.
    private static func shownPath(_ relative: String, besides modelPath: String) -> String {
        let folder = (modelPath as NSString).deletingLastPathComponent
        return relative.hasPrefix("/") || folder.isEmpty ? relative : (folder as NSString).appendingPathComponent(relative)
    }

    /// The `.env` beside apphost.yaml; empty when there is none.
    private func loadDotEnv() -> DotEnvFile {
        let dotEnvPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(".env").path
        guard let data = FileManager.default.contents(atPath: dotEnvPath) else { return DotEnvFile("", file: ".env") }
        let shown = (path as NSString).deletingLastPathComponent.isEmpty ? ".env" : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(".env")
        guard let text = String(data: data, encoding: .utf8) else {
            return .unreadable(shown, reason: "the .env file is not UTF-8 text")
        }
        return DotEnvFile(text, file: shown)
    }
}
