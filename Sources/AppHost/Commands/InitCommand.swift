import ArgumentParser
import Foundation
import Resources

/// `apphost init`: writes a new application (apphost.yaml and its apps) from a template.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new application from a template: an apphost.yaml and the apps it runs.",
        discussion: """
            Writes the template's files into DIRECTORY (default: the current folder), creating \
            it if needed, then prints the files and how to run them. It never replaces a file \
            unless --force is given; if any write fails, it removes what it wrote and puts back \
            what it replaced, so nothing is lost or left half made.

            Templates: \(Template.all.map(\.name).joined(separator: ", ")) (--list describes them).
            """
    )

    @Argument(help: "The folder of the new application; created if missing.", completion: .directory)
    var directory: String = "."

    @Option(name: [.short, .long], help: "The template to start from.")
    var template: String = Template.defaultName

    @Flag(help: "Replace files that are already there.")
    var force = false

    @Flag(help: "List the templates and exit.")
    var list = false

    func validate() throws {
        guard list || Template.named(template) != nil else {
            let names = Template.all.map(\.name)
            let guess = Suggestion.closest(to: template, in: names).map { " (did you mean '\($0)'?)" } ?? ""
            throw ValidationError("unknown template '\(template)'\(guess); the templates are: \(names.joined(separator: ", "))")
        }
        var isFolder: ObjCBool = false
        if !list, FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("'\(directory)' is a file; give a folder (it is created if it does not exist)")
        }
    }

    func run() throws {
        if list {
            let width = Template.all.map(\.name.count).max() ?? 0
            for template in Template.all {
                Console.output("\(template.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(template.summary)")
            }
            return
        }
        guard let template = Template.named(template) else { return }
        let folder = URL(fileURLWithPath: directory).standardizedFileURL
        let writer = TemplateWriter(folder: folder, replacesExisting: force)
        let written: [String]
        do {
            written = try writer.write(template)
        } catch .wouldReplace(let paths) {
            throw CommandFailure.userError("""
                error: \(folder.path) already has \(paths.map { "'\($0)'" }.joined(separator: ", ")), which the template \
                '\(template.name)' would replace; nothing was written.
                hint: choose another folder (apphost init NEW-FOLDER), or give --force to replace them.
                """)
        } catch .notAFile(let path) {
            throw CommandFailure.userError("error: \(folder.appendingPathComponent(path).path) is a folder, where the template '\(template.name)' has a file; nothing was written.")
        } catch {
            throw CommandFailure.runtimeFailure("error: \(error); nothing is left of the template.")
        }
        let shown = directory == "." ? "" : directory.hasSuffix("/") ? directory : directory + "/"
        Console.output("created from the template '\(template.name)' (\(template.summary)):")
        for path in written { Console.output("  \(shown)\(path)") }
        Console.output(directory == "." ? "next: apphost run" : "next: cd \(directory) && apphost run")
    }
}
