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
