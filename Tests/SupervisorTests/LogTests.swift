import Foundation
import Testing
@testable import Supervisor

@Suite("Multiplexed logs", .serialized)
struct LogTests {
    @Test("Lines of three chatty children are never interleaved, lost or reordered")
    func noInterleaving() async throws {
        let count = 20_000
        let names = ["alpha", "beta", "gamma"]
        // Long lines (about 300 bytes) so writes of different children would tear if unguarded.
        let padding = String(repeating: "x", count: 300)
        let harness = try Harness(names.map { name in
            shell(name, "i=0; while [ $i -lt \(count) ]; do echo \"\(name)-$i-\(padding)\"; i=$((i+1)); done")
        })
        harness.start()
        #expect(try await harness.finish() == .allEnded(allSucceeded: true))
        var next = Dictionary(uniqueKeysWithValues: names.map { ($0, 0) })
        for line in harness.outputLines where !line.isEmpty && !line.hasPrefix("apphost") {
            let parts = line.split(separator: " | ", maxSplits: 1).map(String.init)
            try #require(parts.count == 2, "a torn line: \(line.prefix(80))")
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let expected = "\(name)-\(next[name, default: -1])-\(padding)"
            try #require(parts[1] == expected, "out of order or torn: \(line.prefix(80))")
            next[name]! += 1
        }
        #expect(next == Dictionary(uniqueKeysWithValues: names.map { ($0, count) }))
    }

    @Test("Each process's log file holds its lines with timestamps, stderr marked")
    func logFiles() async throws {
        let harness = try Harness([shell("writer", "echo to-out; echo to-err >&2")])
        harness.start()
        _ = try await harness.finish()
        let file = try String(contentsOfFile: harness.folder + "/logs/writer.log", encoding: .utf8)
        let lines = file.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.contains { $0.hasSuffix("Z | to-out") && $0.hasPrefix("20") })
        #expect(lines.contains { $0.hasSuffix("Z ! to-err") })
        let attributes = try FileManager.default.attributesOfItem(atPath: harness.folder + "/logs/writer.log")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test("A log file is rotated when it passes its size limit")
    func rotation() async throws {
        let harness = try Harness([shell("noisy", "i=0; while [ $i -lt 2000 ]; do echo line-$i-abcdefghijklmnopqrstuvwxyz; i=$((i+1)); done")]) {
            $0.logFileLimit = 16 << 10
        }
        harness.start()
        _ = try await harness.finish()
        // A file is rotated before a write that would pass the limit; one write holds one read
        // of the pipe (up to 64 KiB), so the oldest lines are gone and the newest are kept.
        let current = try String(contentsOfFile: harness.folder + "/logs/noisy.log", encoding: .utf8)
        let previous = try String(contentsOfFile: harness.folder + "/logs/noisy.log.1", encoding: .utf8)
        #expect(current.contains("| line-1999-"))
        #expect(!current.contains("| line-0-"))
        #expect(!previous.isEmpty)
    }

    @Test("Secrets are masked on the screen and in files")
    func redaction() async throws {
        let harness = try Harness([shell("leaky", "echo 'Endpoint=http://localhost;AccessKey=s3cr3t-key-value;Version=1.0;'")]) {
            $0.secrets = ["s3cr3t-key-value"]
        }
        harness.start()
        _ = try await harness.finish()
        #expect(harness.outputLines.contains("leaky   | Endpoint=http://localhost;AccessKey=***;Version=1.0;"))
        let file = try String(contentsOfFile: harness.folder + "/logs/leaky.log", encoding: .utf8)
        #expect(!file.contains("s3cr3t"))
    }

    @Test("A prompt without a newline is shown while the process waits")
    func partialLine() async throws {
        let harness = try Harness([shell("asker", "printf 'name? '; sleep 30")])
        harness.start()
        try await harness.waitForState("asker") { $0 == .running }
        let deadline = ContinuousClock.now + .seconds(5)
        while !harness.outputLines.contains("asker   | name? "), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(harness.outputLines.contains("asker   | name? "))
        _ = try await harness.shutdown()
    }

    @Test("A copy gets every line the terminal gets, in the same order")
    func copyGetsEveryLine() throws {
        let terminal = try #require(Pipe.make()), copy = try #require(Pipe.make())
        let console = LogMultiplexer(style: LogStyle(color: false, timestamps: false, nameWidth: 7), descriptor: terminal.write)
        console.announce("before the copy")
        console.copy(to: copy.write)
        console.announce("one")
        console.announce("two\nthree")
        close(terminal.write)
        close(copy.write)
        func text(_ descriptor: Int32) -> String {
            defer { close(descriptor) }
            return String(decoding: FileHandle(fileDescriptor: descriptor).readDataToEndOfFile(), as: UTF8.self)
        }
        #expect(text(terminal.read) == "apphost | before the copy\napphost | one\napphost | two\napphost | three\n")
        #expect(text(copy.read) == "apphost | one\napphost | two\napphost | three\n")
    }
}
