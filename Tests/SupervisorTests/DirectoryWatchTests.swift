import Foundation
import Testing
@testable import Supervisor

@Suite("Watching folders for changed files", .timeLimit(.minutes(1)))
struct DirectoryWatchTests {
    func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("apphost-watch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        return folder
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test("Files written, renamed and deleted are reported relative to the folder")
    func oneBatch() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try write("old", to: folder + "/gone.txt")
        var batches = try DirectoryWatch.start(under: folder).changes.makeAsyncIterator()
        try write("a", to: folder + "/app.py")
        try write("b", to: folder + "/sub/page.html")
        try FileManager.default.moveItem(atPath: folder + "/sub/page.html", toPath: folder + "/sub/index.html")
        try FileManager.default.removeItem(atPath: folder + "/gone.txt")
        // Usually one batch; a slow machine may pause longer than the quiet period between them.
        let expected: Set<String> = ["app.py", "sub/page.html", "sub/index.html", "gone.txt"]
        var seen = Set<String>()
        while !seen.isSuperset(of: expected), let batch = await batches.next() { seen.formUnion(batch) }
        #expect(seen == expected)
    }

    @Test("A folder that appears is watched too, with the files it came with")
    func newFolders() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var batches = try DirectoryWatch.start(under: folder).changes.makeAsyncIterator()
        try write("c", to: folder + "/new/deeper/c.txt")
        #expect(try #require(await batches.next()).contains("new/deeper/c.txt"))
        try write("d", to: folder + "/new/deeper/d.txt")
        #expect(try #require(await batches.next()) == ["new/deeper/d.txt"])
    }

    @Test("What tools write beside the sources is no change: the first batch holds the source only")
    func ignoredFiles() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var batches = try DirectoryWatch.start(under: folder).changes.makeAsyncIterator()
        for ignored in [".app.py.swp", "app.py~", "__pycache__/app.cpython-311.pyc", "node_modules/x/index.js", ".git/index", "run.log"] {
            try write("x", to: folder + "/" + ignored)
        }
        try write("print(1)", to: folder + "/app.py")
        #expect(try #require(await batches.next()) == ["app.py"])
    }

    @Test("The filter keeps sources and drops hidden, cache, dependency, swap and log files", arguments: [
        ("app.py", true), ("src/index.js", true), ("Program.cs", true), ("web/static/site.css", true),
        (".env", false), (".git/HEAD", false), ("api/.venv/lib/x.py", false), ("node_modules/a/b.js", false),
        ("__pycache__/m.pyc", false), ("bin/Debug/app.dll", false), ("notes.txt~", false), ("#app.py#", false), ("out.log", false),
    ])
    func filter(path: String, counts: Bool) {
        #expect(WatchFilter.counts(path) == counts)
    }
}
