import ArgumentParser
import Foundation
import Resources

/// `apphost publish --bicep`: the Bicep that provisions the model's SignalR resources in Azure.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Write the infrastructure that provisions the model's resources in Azure.",
        discussion: """
            With --bicep, writes to DIR: main.bicep (subscription scope: a resource group \
            rg-<environmentName> and every module), one module per SignalR resource \
            (<name>/<name>.bicep) and one for its role assignments (<name>-roles/<name>-roles.bicep), \
            main.parameters.json for the Azure Developer CLI, and apphost-manifest.json (every \
            resource, and the environment each project receives once deployed).

            Output is deterministic. Files apphost did not write are never overwritten unless \
            --force. Nothing is started and nothing is sent to Azure.
            """
    )

    @OptionGroup var model: ModelOptions

    @Flag(help: "Write Bicep (the only format today).")
    var bicep = false

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The folder to write to.", valueName: "DIR"))
    var output = "infra"

    @Flag(help: "Overwrite files in DIR even when apphost did not write them.")
    var force = false

    func validate() throws {
        guard bicep else {
            throw ValidationError("say which format to publish: --bicep")
        }
    }

    func run() throws {
        let (_, model) = try model.loadModel()
        let files = BicepPublisher(model: model).files()
        let folder = URL(fileURLWithPath: output, isDirectory: true)
        try checkOutputFolder(folder, files: files)
        let stale = staleFiles(in: folder, keeping: Set(files.map(\.path)))
        for file in files {
            let url = folder.appendingPathComponent(file.path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url, options: .atomic)
            } catch {
                throw CommandFailure.runtimeFailure("error: cannot write \(display(file.path)): \(error.localizedDescription)")
            }
            Console.output("wrote \(display(file.path))")
        }
        for path in stale {
            let url = folder.appendingPathComponent(path)
            guard (try? FileManager.default.removeItem(at: url)) != nil else { continue }
            Console.output("removed \(display(path)) (its resource is no longer in the model)")
            let parent = url.deletingLastPathComponent()
            if (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.isEmpty == true, parent.path != folder.path {
                try? FileManager.default.removeItem(at: parent)
            }
        }
        Console.output("""

            next: azd provision
              or: az deployment sub create --location <region> --template-file \(display("main.bicep")) \\
                    --parameters environmentName=<name> location=<region> principalId=$(az ad signed-in-user show --query id -o tsv)
            """)
    }

    /// Files an earlier publication wrote (listed in its manifest, still unedited) that this
    /// one does not write: the Bicep of resources since removed from the model.
    private func staleFiles(in folder: URL, keeping current: Set<String>) -> [String] {
        guard let manifest = try? String(contentsOf: folder.appendingPathComponent("apphost-manifest.json"), encoding: .utf8),
              let object = try? JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any],
              let listed = object["files"] as? [String] else { return [] }
        return listed.filter { path in
            guard !current.contains(path), !path.contains(".."), !path.hasPrefix("/"),
                  let contents = try? String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8) else { return false }
            return BicepPublisher.isGenerated(path: path, contents: contents, manifest: manifest)
        }
    }

    private func display(_ path: String) -> String {
        (output as NSString).appendingPathComponent(path)
    }

    /// Refuses a DIR that is a file, and files in the way that apphost did not write.
    private func checkOutputFolder(_ folder: URL, files: [BicepPublisher.GeneratedFile]) throws(CommandFailure) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .userError("error: \(output) is a file, not a folder\n    hint: choose another folder with -o DIR")
        }
        guard !force else { return }
        let manifest = try? String(contentsOf: folder.appendingPathComponent("apphost-manifest.json"), encoding: .utf8)
        var foreign: [String] = []
        for file in files {
            let url = folder.appendingPathComponent(file.path)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { continue }
            let contents = isFolder.boolValue ? nil : try? String(contentsOf: url, encoding: .utf8)
            if contents.map({ !BicepPublisher.isGenerated(path: file.path, contents: $0, manifest: manifest) }) ?? true {
                foreign.append(display(file.path))
            }
        }
        if !foreign.isEmpty {
            throw .userError("""
                error: \(foreign.joined(separator: ", ")) \(foreign.count == 1 ? "was" : "were") not written by apphost; nothing was written
                    hint: move \(foreign.count == 1 ? "it" : "them") away, choose another folder with -o DIR, or pass --force to overwrite
                """)
        }
    }
}
