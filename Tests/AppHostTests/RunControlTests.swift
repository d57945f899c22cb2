import Dashboard
import Foundation
import Testing
@testable import AppHost

/// How `apphost ps`, `logs`, `start`, `stop` and `restart` find a run and show what it says.
@Suite("Controlling a run from another terminal")
struct RunControlTests {
    let resources = [
        DashboardResource(name: "signalr", kind: .signalREmulator, summary: "SignalR emulator (Serverless)", url: "http://localhost:5000"),
        DashboardResource(name: "cloud", kind: .signalRCloud, summary: "SignalR in Azure (Serverless)", state: "Azure"),
        DashboardResource(name: "api", kind: .project, summary: "project"),
    ]

    func line(_ resource: String, _ sequence: Int, at seconds: Double, _ text: String, isError: Bool = false,
              isLifecycle: Bool = false) -> DashboardLogLine {
        DashboardLogLine(resource: resource, sequence: sequence, time: Date(timeIntervalSince1970: seconds),
                         isError: isError, isLifecycle: isLifecycle, text: text)
    }

    @Test("The address is written with mode 0600 and removed only by the run that wrote it")
    func addressFile() throws {
        let folder = try AppHostProcess.temporaryFolder([:]).appendingPathComponent(".apphost")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let mine = DashboardAddress(pid: getpid(), port: 18888, token: "secret")
        try mine.write(in: folder)
        let file = DashboardAddress.file(in: folder).path
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(DashboardAddress.read(from: folder) == mine)
        #expect(mine.writerIsAlive)

        // A later run in the same folder replaced it: the first one's end leaves it alone.
        let later = DashboardAddress(pid: getpid(), port: 18889, token: "other")
        try later.write(in: folder)
        mine.remove(from: folder)
        #expect(DashboardAddress.read(from: folder) == later)
        later.remove(from: folder)
        #expect(DashboardAddress.read(from: folder) == nil)
    }

    @Test("An address left by a run that was killed is known to be stale")
    func staleAddress() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        #expect(!DashboardAddress(pid: child.processIdentifier, port: 1, token: "t").writerIsAlive)
    }

    @Test("Logs of several resources are merged in the order they were written, ties in resource order")
    func merging() {
        let api = [line("api", 1, at: 10.001, "a1"), line("api", 2, at: 10.003, "a2"), line("api", 3, at: 10.003, "a3")]
        let signalr = [line("signalr", 1, at: 10.000, "s1"), line("signalr", 2, at: 10.003, "s2")]
        #expect(LogLineFormatter.merged([api, signalr]).map(\.text) == ["s1", "a1", "a2", "a3", "s2"])
    }

    @Test("Lines look as `apphost run` printed them: padded names, ! for stderr, apphost's own lines under its name")
    func formatting() {
        let formatter = LogLineFormatter(resources: resources, color: false, timestamps: false)
        #expect(formatter.format(line("api", 1, at: 0, "listening")) == "api     | listening")
        #expect(formatter.format(line("signalr", 1, at: 0, "oops", isError: true)) == "signalr ! oops")
        #expect(formatter.format(line("api", 2, at: 0, "started (pid 42)", isLifecycle: true)) == "apphost | api: started (pid 42)")
        // Colours follow the order `apphost run` numbers its processes in: the cloud resource has none.
        let colored = LogLineFormatter(resources: resources, color: true, timestamps: false)
        #expect(colored.format(line("signalr", 1, at: 0, "x")).hasPrefix("\u{1B}[36m"))
        #expect(colored.format(line("api", 1, at: 0, "x")).hasPrefix("\u{1B}[33m"))
    }

    @Test("With timestamps, each line starts with the time it was written, to the millisecond")
    func timestamps() {
        let formatter = LogLineFormatter(resources: resources, color: false, timestamps: true)
        let text = formatter.format(line("api", 1, at: 1_800_000_000.25, "hi"))
        let time = text.prefix(13)
        #expect(time.hasSuffix(".250 "))
        #expect(time.count == 13 && time.filter { $0 == ":" }.count == 2)
        #expect(text.hasSuffix("api     | hi"))
    }

    @Test("ps shows state with its reason, pid, uptime of what runs, starts and URL, in aligned columns")
    func table() {
        var running = resources[0]
        running.state = "Running"
        running.pid = 4242
        running.starts = 1
        running.startedAt = Date(timeIntervalSince1970: 1000)
        var exited = resources[2]
        exited.state = "Exited"
        exited.stateDetail = "code 3"
        exited.pid = 4343
        exited.starts = 2
        exited.startedAt = Date(timeIntervalSince1970: 900)
        let table = ResourceTable(resources: [running, resources[1], exited], now: Date(timeIntervalSince1970: 1185)).text
        #expect(table == """
            NAME     STATE            PID   UPTIME  STARTS  URL
            signalr  Running          4242  3m 05s  1       http://localhost:5000
            cloud    Azure            -     -       -       -
            api      Exited (code 3)  4343  -       2       -
            """)
    }

    @Test("Uptimes are short and exact where it matters", arguments: [
        (42.0, "42s"), (185, "3m 05s"), (7620, "2h 07m"), (273_600, "3d 4h"), (-1, "0s"),
    ])
    func durations(seconds: Double, shown: String) {
        #expect(ResourceTable.duration(seconds) == shown)
    }

    @Test("Without a run: ps, logs and the actions say so and exit 2; down has nothing to do and exits 0")
    func withoutARun() throws {
        let folder = try AppHostProcess.temporaryFolder(["apphost.yaml": "resources:\n  signalr: { type: signalr }\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        for arguments in [["ps"], ["logs"], ["restart", "signalr"]] {
            let result = try AppHostProcess.run(arguments, in: folder)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains("error: apphost is not running apphost.yaml"), "\(arguments)")
        }
        let down = try AppHostProcess.run(["down"], in: folder)
        #expect(down.status == 0)
        #expect(down.stderr == "apphost is not running apphost.yaml; nothing to stop\n")
    }

    @Test("`logs -f NAME`, as docker compose spells follow, is told that -f names the file")
    func followSpelledAsInCompose() throws {
        let folder = try AppHostProcess.temporaryFolder(["apphost.yaml": "resources:\n  signalr: { type: signalr }\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHostProcess.run(["logs", "-f", "signalr"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("to follow the logs, use --follow (apphost logs --follow signalr)"))
    }
}
