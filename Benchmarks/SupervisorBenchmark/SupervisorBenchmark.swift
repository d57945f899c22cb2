import ArgumentParser
import Foundation

/// Figures for `apphost run` (BENCHMARKS.md): start-to-ready of the sample, log throughput beside
/// honcho on the same child, and the CPU an idle supervisor uses.
@main
struct SupervisorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervisor-benchmark",
        abstract: "Measure apphost run: start-to-ready, log throughput (beside honcho), idle CPU and the control commands.",
        discussion: "Every process runs on loopback and is stopped before the benchmark exits."
    )

    @Option(help: "The apphost executable to measure.")
    var apphost = ".build/release/apphost"

    @Option(help: "The honcho executable to compare with (pip install honcho).")
    var honcho = ".build/bench-venv/bin/honcho"

    @Option(help: "How many times to start the sample.")
    var starts = 5

    @Option(help: "Lines the chatty child prints.")
    var lines = 2_000_000

    @Option(help: "Seconds to watch an idle apphost run.")
    var idleSeconds = 60

    @Option(help: "Projects the idle apphost run supervises.")
    var idleProjects = 10

    @Option(help: "Which figures: all, start, logs, fairness, idle or control (ps, --detach with down, --watch).")
    var only = "all"

    func run() async throws {
        let apphostPath = URL(fileURLWithPath: apphost).standardizedFileURL.path
        guard FileManager.default.isExecutableFile(atPath: apphostPath) else {
            throw ValidationError("\(apphost) is not built; run `swift build -c release` first")
        }
        report("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
        if only == "all" || only == "start" { try measureStart(apphostPath) }
        if only == "all" || only == "logs" { try measureLogs(apphostPath) }
        if only == "all" || only == "fairness" { try measureFairness(apphostPath) }
        if only == "all" || only == "idle" { try measureIdle(apphostPath) }
        if only == "all" || only == "control" { try measureControl(apphostPath) }
    }

    /// The top-level apphost.yaml from `apphost run` to its "is up" line.
    private func measureStart(_ apphostPath: String) throws {
        var wall: [Double] = []
        var reported: [String] = []
        for _ in 0..<starts {
            let run = try ChildRun(apphostPath, ["run", "--no-color"], in: FileManager.default.currentDirectoryPath)
            let line = try run.waitForLine(containing: " is up in ", timeout: 30)
            wall.append(run.elapsed)
            reported.append(line.components(separatedBy: " is up in ").last?.dropLast().description ?? "")
            run.interrupt()
            _ = run.waitForExit()
        }
        wall.sort()
        report(String(format: "start to ready (sample chat, %d runs): median %.3f s, best %.3f s, worst %.3f s (apphost says: %@)",
                     starts, wall[wall.count / 2], wall.first!, wall.last!, reported.joined(separator: ", ")))
    }

    /// One child printing `lines` lines as fast as it can, through apphost and through honcho.
    private func measureLogs(_ apphostPath: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let producer = "yes 'a log line of about eighty bytes, as a busy server prints them, 0123456789' | head -n \(lines)"
        try """
            resources:
              chatty:
                type: project
                command: ["/bin/sh", "-c", "\(producer)"]
                restart: never
            """.write(toFile: folder + "/apphost.yaml", atomically: true, encoding: .utf8)
        try "chatty: \(producer)\n".write(toFile: folder + "/Procfile", atomically: true, encoding: .utf8)

        // Without the dashboard first: what the dashboard's copy of every line costs is the difference.
        let bare = try ChildRun(apphostPath, ["run", "--no-color", "--no-dashboard"], in: folder)
        let bareLines = bare.countLinesUntilExit()
        report(String(format: "log throughput, apphost run --no-dashboard: %d lines in %.2f s = %.0f lines/s",
                      bareLines, bare.elapsed, Double(bareLines) / bare.elapsed))
        let ours = try ChildRun(apphostPath, ["run", "--no-color", "--dashboard-port", "0"], in: folder)
        let ourLines = ours.countLinesUntilExit()
        let ourRate = Double(ourLines) / ours.elapsed
        report(String(format: "log throughput, apphost run (dashboard on): %d lines in %.2f s = %.0f lines/s", ourLines, ours.elapsed, ourRate))
        guard FileManager.default.isExecutableFile(atPath: honcho) else {
            report("honcho: not found at \(honcho); skipped (pip install honcho)")
            return
        }
        let theirs = try ChildRun(URL(fileURLWithPath: honcho).standardizedFileURL.path, ["--no-colour", "start"], in: folder)
        let theirLines = theirs.countLinesUntilExit()
        let theirRate = Double(theirLines) / theirs.elapsed
        report(String(format: "log throughput, honcho start: %d lines in %.2f s = %.0f lines/s", theirLines, theirs.elapsed, theirRate))
        report(String(format: "ratio apphost/honcho: %.1fx", ourRate / theirRate))
    }

    /// How late a quiet process's lines appear while another floods the output, through apphost
    /// and through honcho: each quiet line carries the time it was printed.
    private func measureFairness(_ apphostPath: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let flood = "yes 'a log line of about eighty bytes, as a busy server prints them, 0123456789' | head -n \(lines * 3)"
        let quiet = "i=0; while [ $i -lt 30 ]; do date +%s%N; sleep 0.1; i=$((i+1)); done"
        try """
            resources:
              chatty:
                type: project
                command: ["/bin/sh", "-c", "\(flood)"]
                restart: never
              quiet:
                type: project
                command: ["/bin/sh", "-c", "\(quiet)"]
                restart: never
            """.write(toFile: folder + "/apphost.yaml", atomically: true, encoding: .utf8)
        // honcho stops everything when the first process ends: the flood is made to outlast the quiet one.
        try "chatty: \(flood); sleep 5\nquiet: \(quiet)\n".write(toFile: folder + "/Procfile", atomically: true, encoding: .utf8)
        let ours = try ChildRun(apphostPath, ["run", "--no-color"], in: folder).quietLineDelays(marker: "quiet")
        report("quiet process's line delay while another floods, apphost run: \(ours)")
        guard FileManager.default.isExecutableFile(atPath: honcho) else { return }
        let theirs = try ChildRun(URL(fileURLWithPath: honcho).standardizedFileURL.path, ["--no-colour", "start"], in: folder)
            .quietLineDelays(marker: "quiet")
        report("quiet process's line delay while another floods, honcho start: \(theirs)")
    }

    /// CPU time of an idle `apphost run` supervising `idleProjects` HTTP servers with health checks.
    private func measureIdle(_ apphostPath: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var yaml = "resources:\n"
        for index in 1...idleProjects {
            yaml += """
                  web\(index):
                    type: project
                    command: ["/bin/sh", "-c", "exec python3 -m http.server $PORT --bind 127.0.0.1"]
                    port: 0
                    healthCheck: /

                """
        }
        try yaml.write(toFile: folder + "/apphost.yaml", atomically: true, encoding: .utf8)
        let run = try ChildRun(apphostPath, ["run", "--no-color"], in: folder)
        _ = try run.waitForLine(containing: " is up in ", timeout: 60)
        let before = try cpuSeconds(of: run.pid)
        let start = Date()
        Thread.sleep(forTimeInterval: TimeInterval(idleSeconds))
        let used = try cpuSeconds(of: run.pid) - before
        let elapsed = Date().timeIntervalSince(start)
        run.interrupt()
        _ = run.waitForExit()
        report(String(format: "idle CPU, apphost run with %d projects (health checks every 5 s) over %.0f s: %.3f s of CPU = %.2f%% of a core",
                     idleProjects, elapsed, used, used / elapsed * 100))
    }

    /// User plus system CPU seconds of `pid`, from /proc.
    private func cpuSeconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat.split(separator: ")").last!.split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15.
        let ticks = Double(fields[11])! + Double(fields[12])!
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("supervisor-benchmark-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// Prints a figure at once, even into a pipe or a file (print would hold it in a buffer there).
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
