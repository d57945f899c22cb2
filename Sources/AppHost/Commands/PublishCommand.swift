import ArgumentParser
import Foundation
import Resources

/// `apphost publish --bicep`: everything `azd up` needs to run the whole application in Azure.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Write the infrastructure and deployment of the whole application for Azure (azd up).",
        discussion: """
            With --bicep, writes to DIR:
              main.bicep             the resource group rg-<environmentName> and
                                     every module below (subscription scope)
              main.parameters.json   its parameters, as azd fills them
              env/                   a Container Apps environment, a registry
                                     (Basic) with its pull identity, and logs
              <signalr>/             each SignalR resource; <signalr>-roles/ are
                                     your own roles on it
              <project>/             each project as a container app, with its
                                     identity (<project>-identity/), its roles
                                     (<project>-roles-<signalr>/) and, for a
                                     Python or Node.js project without 'image:'
                                     or 'dockerfile:', a Dockerfile
              apphost-manifest.json  every resource and what each project gets
            and azure.yaml beside apphost.yaml: one azd service per project.

            Next: `azd up` creates the resources, builds and pushes each image, \
            and deploys the apps with their identities and roles. Each project \
            receives exactly what `apphost env --publish` shows; azd asks for the \
            values of secret-looking variables (or `azd env set <PROJECT>_<NAME>`).

            Output is deterministic. Files apphost did not write are never \
            overwritten unless --force; the files of projects and resources removed \
            from the model are deleted. Nothing is started or sent to Azure.
            """
    )

    @OptionGroup var model: ModelOptions

    @Flag(help: "Write Bicep (the only format today).")
    var bicep = false

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The folder to write to.", valueName: "DIR"))
    var output = "infra"

    @Flag(help: "Overwrite files even when apphost did not write them.")
    var force = false

    func validate() throws {
        guard bicep else {
            throw ValidationError("say which format to publish: --bicep")
        }
    }

    func run() throws {
        let (file, model) = try model.loadModel()
        let outputFolder = URL(fileURLWithPath: output, isDirectory: true).standardizedFileURL
        let publisher = BicepPublisher(model: model, layout: layout(of: model, file: file, outputFolder: outputFolder))
        let problems = publisher.problems() + missingDockerfiles(of: model, file: file)
        if !problems.isEmpty {
            Console.report(problems)
            throw CommandFailure.userError("\(file.path) cannot be deployed as it is; nothing was written")
        }
        let files = publisher.files().map { WrittenFile(file: $0, folder: $0.root == .model ? file.folder : outputFolder) }
        try checkOutputFolder(outputFolder, files: files)
        let stale = staleFiles(in: outputFolder, keeping: Set(files.filter { $0.file.root == .output }.map(\.file.path)))
        for written in files {
            do {
                try FileManager.default.createDirectory(at: written.url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(written.file.contents.utf8).write(to: written.url, options: .atomic)
            } catch {
                throw CommandFailure.runtimeFailure("error: cannot write \(written.shown): \(error.localizedDescription)")
            }
            Console.output("wrote \(written.shown)")
        }
        for path in stale {
            let url = outputFolder.appendingPathComponent(path)
            guard (try? FileManager.default.removeItem(at: url)) != nil else { continue }
            Console.output("removed \(display(url)) (its resource is no longer in the model)")
            let parent = url.deletingLastPathComponent()
            if (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.isEmpty == true, parent.path != outputFolder.path {
                try? FileManager.default.removeItem(at: parent)
            }
        }
        for generated in files where generated.file.path.hasSuffix("/Dockerfile") {
            let project = generated.file.path.dropLast("/Dockerfile".count)
            Console.output("note: project '\(project)' is built from \(generated.shown), written from its command")
        }
        Console.output(nextSteps(model: model, folder: file.folder, secrets: publisher.secretEnvironmentVariables))
    }

    /// What to run next, from the folder of apphost.yaml.
    private func nextSteps(model: ApplicationModel, folder: URL, secrets: [String]) -> String {
        var text = "\nnext: azd up"
        if display(folder) != "." { text += "   (in \(display(folder)), beside azure.yaml)" }
        if model.projects.isEmpty {
            text += "\n  or: az deployment sub create --location <region> --template-file \(display(URL(fileURLWithPath: output).appendingPathComponent("main.bicep"))) \\\n        --parameters environmentName=<name> location=<region> principalId=$(az ad signed-in-user show --query id -o tsv)"
        } else {
            text += "\n  it creates the resource group, the SignalR resources, the Container Apps environment and registry, an identity and roles per project, and deploys every project"
        }
        if !secrets.isEmpty {
            text += "\n  secrets: azd asks for \(secrets.joined(separator: ", ")) (or set them first with `azd env set NAME VALUE`)"
        }
        return text
    }

    /// The disk facts publishing needs: the output folder relative to apphost.yaml's, and the
    /// files in each project's folder (to find its dependency file).
    private func layout(of model: ApplicationModel, file: ModelFile, outputFolder: URL) -> PublishLayout {
        var projectFiles: [String: Set<String>] = [:]
        for project in model.projects {
            let folder = file.folder.appendingPathComponent(project.workingDirectory ?? ".")
            projectFiles[project.name] = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        }
        let infraFolder = PublishLayout.relativePath(from: file.folder.standardizedFileURL.path, to: outputFolder.standardizedFileURL.path)
        return PublishLayout(infraFolder: infraFolder, projectFiles: projectFiles)
    }

    /// A `dockerfile:` that names no file, located at the key.
    private func missingDockerfiles(of model: ApplicationModel, file: ModelFile) -> [Diagnostic] {
        model.projects.compactMap { project in
            guard case .dockerfile(let path) = project.container,
                  !FileManager.default.fileExists(atPath: file.folder.appendingPathComponent(path).path) else { return nil }
            return .error("the dockerfile '\(path)' of project '\(project.name)' does not exist", at: project.location(of: "dockerfile"),
                          hint: "give its path relative to apphost.yaml's folder, or remove 'dockerfile:' to let apphost write one")
        }
    }

    /// A generated file with where it goes.
    private struct WrittenFile {
        let file: BicepPublisher.GeneratedFile
        let folder: URL
        var url: URL { folder.appendingPathComponent(file.path) }
        var shown: String { PublishCommand.shownPath(url) }
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

    private func display(_ url: URL) -> String { Self.shownPath(url) }

    /// A path as messages show it: relative to the current folder when inside it.
    static func shownPath(_ url: URL) -> String {
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let path = url.standardizedFileURL.path
        if path == current { return "." }
        return path.hasPrefix(current + "/") ? String(path.dropFirst(current.count + 1)) : path
    }

    /// Refuses a DIR that is a file, and files in the way that apphost did not write.
    private func checkOutputFolder(_ folder: URL, files: [WrittenFile]) throws(CommandFailure) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .userError("error: \(output) is a file, not a folder\n    hint: choose another folder with -o DIR")
        }
        guard !force else { return }
        let manifest = try? String(contentsOf: folder.appendingPathComponent("apphost-manifest.json"), encoding: .utf8)
        var foreign: [String] = []
        for written in files {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: written.url.path, isDirectory: &isFolder) else { continue }
            let contents = isFolder.boolValue ? nil : try? String(contentsOf: written.url, encoding: .utf8)
            if contents.map({ !BicepPublisher.isGenerated(path: written.file.path, contents: $0, manifest: manifest) }) ?? true {
                foreign.append(written.shown)
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
