import Foundation
import Testing
@testable import AppHost

/// `apphost init`: the binary writing templates, and the writer's all-or-nothing promise.
@Suite("apphost init")
struct InitCommandTests {
    typealias AppHost = AppHostProcess

    /// A new, empty temporary folder.
    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Every file under `folder`, by relative path, with its bytes.
    func files(under folder: URL) throws -> [String: Data] {
        var found: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        while let path = enumerator?.nextObject() as? String {
            var isFolder: ObjCBool = false
            let full = folder.appendingPathComponent(path).path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue {
                found[path] = FileManager.default.contents(atPath: full)
            }
        }
        return found
    }

    @Test("init writes the serverless chat exactly as templates/ holds it, into a new folder, and the model validates")
    func writesTheTemplate() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["init", "apps/chat"], in: folder)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout.hasPrefix("created from the template 'serverless-chat' (A serverless chat):\n"))
        #expect(result.stdout.contains("  apps/chat/apphost.yaml\n"))
        #expect(result.stdout.hasSuffix("next: cd apps/chat && apphost run\n"))

        let written = try files(under: folder.appendingPathComponent("apps/chat"))
        let template = try files(under: AppHost.repository.appendingPathComponent("templates/serverless-chat"))
        #expect(Set(written.keys) == Set(template.keys), "run scripts/embed-templates after changing templates/")
        for (path, contents) in template {
            #expect(written[path] == contents, "\(path) differs from templates/: run scripts/embed-templates")
        }
        let validation = try AppHost.run(["validate"], in: folder.appendingPathComponent("apps/chat"))
        #expect(validation.stdout == "ok: 2 resources (signalr: SignalR Serverless, emulated; api: project)\n")
    }

    @Test("Every template in templates/ is embedded byte for byte, and writes a model that validates")
    func everyTemplateIsEmbedded() throws {
        let templates = AppHost.repository.appendingPathComponent("templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: templates.path).sorted()
        #expect(Template.all.map(\.name) == names, "run scripts/embed-templates after adding or removing a template")
        for name in names {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let result = try AppHost.run(["init", "app", "--template", name], in: folder)
            #expect(result.status == 0, "\(name): \(result.stderr)")
            let written = try files(under: folder.appendingPathComponent("app"))
            let template = try files(under: templates.appendingPathComponent(name))
            #expect(written == template, "\(name) differs from templates/: run scripts/embed-templates")
            let validation = try AppHost.run(["validate"], in: folder.appendingPathComponent("app"))
            #expect(validation.status == 0, "\(name): \(validation.stderr)")
        }
    }

    @Test("init refuses to replace a file, names it and writes nothing; --force replaces it")
    func refusesToReplace() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mine = Data("name: mine\n".utf8)
        FileManager.default.createFile(atPath: folder.appendingPathComponent("apphost.yaml").path, contents: mine)

        let refused = try AppHost.run(["init"], in: folder)
        #expect(refused.status == 1)
        #expect(refused.stdout == "")
        #expect(refused.stderr.contains("already has 'apphost.yaml', which the template 'serverless-chat' would replace; nothing was written."))
        #expect(refused.stderr.contains("give --force to replace them"))
        #expect(try files(under: folder) == ["apphost.yaml": mine])

        let forced = try AppHost.run(["init", "--force"], in: folder)
        #expect(forced.status == 0)
        #expect(forced.stdout.hasSuffix("next: apphost run\n"))
        #expect(try files(under: folder)["apphost.yaml"] != mine)
    }

    @Test("An unknown template is an error with a suggestion; --list names every template")
    func unknownTemplate() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["init", "--template", "serverles-chat"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown template 'serverles-chat' (did you mean 'serverless-chat'?); the templates are: serverless-chat, serverless-notifications"))
        #expect(try files(under: folder).isEmpty)

        let list = try AppHost.run(["init", "--list"], in: folder)
        #expect(list.status == 0)
        #expect(list.stdout == "serverless-chat           A serverless chat\nserverless-notifications  Serverless notifications\n")
    }

    @Test("A write that fails half way removes the new files and folders and puts back what it replaced")
    func failedWriteLeavesNothing() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mine = Data("mine\n".utf8)
        FileManager.default.createFile(atPath: folder.appendingPathComponent("one.txt").path, contents: mine)
        // A name longer than the file system allows (255 bytes) fails on write, after the others.
        let template = Template(name: "broken", summary: "", files: [
            TemplateFile(path: "one.txt", executable: false, contents: "replaced\n"),
            TemplateFile(path: "new/deep/two.sh", executable: true, contents: "echo two\n"),
            TemplateFile(path: String(repeating: "n", count: 300), executable: false, contents: ""),
        ])
        let writer = TemplateWriter(folder: folder, replacesExisting: true)
        #expect(throws: TemplateWriter.Failure.self) { try writer.write(template) }
        #expect(try files(under: folder) == ["one.txt": mine])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("new").path))
    }

    @Test("An executable file of a template is written with its execute bits")
    func executableBits() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = Template(name: "script", summary: "", files: [
            TemplateFile(path: "run.sh", executable: true, contents: "#!/bin/sh\n"),
            TemplateFile(path: "notes.txt", executable: false, contents: "notes\n"),
        ])
        #expect(try TemplateWriter(folder: folder, replacesExisting: false).write(template) == ["run.sh", "notes.txt"])
        let mode = { (name: String) in
            (try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.posixPermissions] as? Int) ?? 0
        }
        #expect(try mode("run.sh") == 0o755)
        #expect(try mode("notes.txt") == 0o644)
    }
}
