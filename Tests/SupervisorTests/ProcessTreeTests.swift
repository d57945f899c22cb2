import Foundation
import Testing
@testable import Supervisor

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
