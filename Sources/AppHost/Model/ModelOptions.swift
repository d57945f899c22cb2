import ArgumentParser
import Foundation
import Resources

/// The `-f FILE` option shared by the commands that read apphost.yaml.
struct ModelOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("file")],
            help: ArgumentHelp("The application model to read.",
                               discussion: "Default: ./apphost.yaml, else the nearest apphost.yaml in a parent folder.",
                               valueName: "FILE"))
    var file: String?

    /// The model file: as given, or found from the current folder upwards.
    func locate() throws(CommandFailure) -> ModelFile {
        let manager = FileManager.default
        if let file {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw .userError("error: \(file): no such file")
            }
            if isDirectory.boolValue {
                let inside = (file as NSString).appendingPathComponent("apphost.yaml")
                guard manager.fileExists(atPath: inside) else {
                    throw .userError("error: \(file) is a folder without an apphost.yaml")
                }
                return ModelFile(path: inside)
            }
            return ModelFile(path: file)
        }
        var folder = URL(fileURLWithPath: manager.currentDirectoryPath)
        var relative = ""
        while true {
            if manager.fileExists(atPath: folder.appendingPathComponent("apphost.yaml").path) {
                return ModelFile(path: relative + "apphost.yaml")
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
            relative += "../"
        }
        throw .userError("""
            error: no apphost.yaml in this folder or any parent folder
                hint: pass one with -f FILE, or create one with `apphost init`
            """)
    }

    /// Locates, reads and loads the model, with its `envFile`s if `readingEnvFiles`; prints
    /// nothing (the outcome's diagnostics say what is wrong).
    func check(readingEnvFiles: Bool) throws(CommandFailure) -> (ModelFile, ModelLoader.Outcome) {
        let file = try locate()
        var outcome = try file.load()
        if readingEnvFiles, var model = outcome.model {
            let problems = file.readEnvFiles(into: &model)
            outcome.diagnostics += problems
            outcome.model = problems.containsErrors ? nil : model
        }
        return (file, outcome)
    }

    /// Locates, reads and loads the model, printing its diagnostics; fails with exit code 1
    /// when it has errors. With `readingEnvFiles` (a local run, and what it shows), the
    /// projects' `envFile`s are read too, and a missing or malformed one is an error.
    func loadModel(readingEnvFiles: Bool = false) throws(CommandFailure) -> (ModelFile, ApplicationModel) {
        let (file, outcome) = try check(readingEnvFiles: readingEnvFiles)
        Console.report(outcome.diagnostics)
        guard let model = outcome.model else {
            let count = outcome.diagnostics.filter { $0.severity == .error }.count
            throw .userError("\(count) error\(count == 1 ? "" : "s") in \(file.path)")
        }
        return (file, model)
    }
}
