import Foundation
import Testing
@testable import Supervisor

/// Asks `condition` of the system (/proc, the watch) until it holds, failing after 10 s.
private func eventually(_ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting for \(what)")
            throw HarnessTimeout()
        }
        await Task.yield()
    }
}

@Suite("Processes that leave their group", .serialized)
struct ProcessTreeTests {
    @Test("A process that leaves its group with setsid is announced, and stopped with the process that started it")
    func setsidChildStopsWithItsOwner() async throws {
        let harness = try Harness([shell("daemon", "setsid sleep 1000 & echo spawned; wait")])
        harness.start()
        let announcement = try await harness.waitForLine("the escape to be announced") {
            // The program may be caught between setsid(2) and exec: "setsid" or "sleep".
            $0.hasPrefix("apphost | daemon started ") && $0.hasSuffix("in a process group of its own; apphost will stop it at shutdown")
        }
        let pid = try #require(pid_t(announcement.split(separator: "(pid ")[1].prefix { $0.isNumber }))
        let escaped = try #require(ProcessTable.entry(pid))
        #expect(escaped.group == pid)
        #expect(!escaped.isZombie)

        #expect(try await harness.shutdown() == .stoppedOnRequest)
        // Not reaped here (this test process is no subreaper), so a zombie at most.
        #expect(ProcessTable.entry(pid)?.isZombie ?? true)
        let output = harness.outputLines
        #expect(output.contains("apphost | daemon stopped (signal SIGTERM)"))
        #expect(!output.contains { $0.contains("stopping what the apps left running") })
    }

    @Test("A process that leaves its group is killed when the process that started it exits")
    func escapeDiesWithItsOwner() async throws {
        let flag = FileManager.default.temporaryDirectory.appendingPathComponent("owner-exit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: flag) }
        let harness = try Harness([shell("owner", "setsid sleep 1001 & echo spawned; while [ ! -e '\(flag)' ]; do sleep 0.02; done; exit 0")])
        harness.start()
        let announcement = try await harness.waitForLine("the escape to be announced") {
            // The program may be caught between setsid(2) and exec: "setsid" or "sleep".
            $0.hasPrefix("apphost | owner started ") && $0.hasSuffix("in a process group of its own; apphost will stop it at shutdown")
        }
        let pid = try #require(pid_t(announcement.split(separator: "(pid ")[1].prefix { $0.isNumber }))
        FileManager.default.createFile(atPath: flag, contents: Data())
        #expect(try await harness.finish() == .allEnded(allSucceeded: true))
        #expect(ProcessTable.entry(pid)?.isZombie ?? true)
    }

    @Test("An escaped group left when its owner is gone is stopped at the end: SIGTERM, then SIGKILL if it ignores it")
    func leftoversAreStoppedAtTheEnd() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = folder + "/output.log"
        let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(descriptor) }
        let console = LogMultiplexer(style: LogStyle(color: false, timestamps: false, nameWidth: 7), descriptor: descriptor)
        let orphanGuard = try OrphanGuard()
        let watch = ProcessTreeWatch(orphanGuard: orphanGuard, console: console, adoptsOrphans: false)

        // A shell whose child leaves its group and ignores SIGTERM; the shell says the child's pid.
        let owner = try watch.launch(shell("owner", "setsid sh -c \"trap '' TERM; exec sleep 1002\" & echo $!; wait"))
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(owner.standardOutput, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let escaped = try #require(pid_t(String(decoding: line, as: UTF8.self)))
        // Found once it has left the group (setsid runs after the fork the shell reported); it
        // ignores SIGTERM once it runs sleep (the trap comes first).
        try await eventually("the escape to be found") { !watch.sweep().isEmpty || !watch.escapedGroups.isEmpty }
        #expect(watch.escapedGroups.map(\.group) == [escaped])
        try await eventually("the escape to run sleep") { ProcessTable.entry(escaped)?.command == "sleep" }

        // The owner dies alone (SIGKILL to its own group only), leaving the escape behind.
        ProcessControl.signalGroup(owner.pid, SIGKILL)
        _ = await ProcessControl.waitForExit(owner.pid)
        watch.ended(owner.pid)
        close(owner.standardOutput)
        close(owner.standardError)

        let before = ContinuousClock.now
        await watch.stopEscapedGroups(within: .milliseconds(200), hurry: Latch())
        #expect(before.duration(to: .now) >= .milliseconds(200))
        #expect(ProcessTable.entry(escaped)?.isZombie ?? true)
        #expect(watch.escapedGroups.isEmpty)
        await orphanGuard.finish()
        let lines = (try String(contentsOfFile: output, encoding: .utf8)).split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("apphost | stopping what the apps left running: ") && $0.contains("(pid \(escaped))") })
        #expect(lines.contains { $0.hasPrefix("apphost | still running 200 ms after SIGTERM: ") && $0.hasSuffix("; sending SIGKILL") })
    }

    @Test("/proc stat lines are read even when the program's name holds spaces and parentheses")
    func statParsing() throws {
        let entry = try #require(ProcessTable.parseStat("4242 (we (ird) name) S 17 4240 4240 0 -1 4194560 107 0 0 0\n"))
        #expect(entry == ProcessEntry(pid: 4242, command: "we (ird) name", state: "S", parent: 17, group: 4240))
        #expect(ProcessTable.parseStat("4242 no parentheses S 1 2 3") == nil)
        #expect(ProcessTable.parseStat("4243 (zombie) Z 1 4243 4243")?.isZombie == true)
    }

    @Test("The children of a process are found, whichever of its threads started them")
    func childrenOfThisProcess() async throws {
        let child = try await Task.detached {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sleep")
            process.arguments = ["30"]
            try process.run()
            return process
        }.value
        defer {
            // SIGKILL, which the child can neither block nor ignore, whatever it inherited.
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        #expect(ProcessTable.children(of: getpid()).contains(child.processIdentifier))
        #expect(ProcessTable.entry(child.processIdentifier)?.parent == getpid())
    }
}
