import Foundation

/// Figures for the commands that control a run from another terminal: `ps`, `run --detach`
/// with `down`, and `run --watch` from a saved file to the new process.
extension SupervisorBenchmark {
    func measureControl(_ apphostPath: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/app", withIntermediateDirectories: true)
        try """
            resources:
              signalr:
                type: signalr
                mode: Serverless
              app:
                type: project
                command: ["python3", "-u", "app.py"]
                workingDirectory: app
                references: [signalr]
            """.write(toFile: folder + "/apphost.yaml", atomically: true, encoding: .utf8)
        try appSource(version: 0).write(toFile: folder + "/app/app.py", atomically: true, encoding: .utf8)

        // Whatever fails, no run is left behind: a background one is brought down here, and the
        // one in the foreground (a ChildRun) is interrupted when it is released.
        defer { _ = try? timed(apphostPath, ["down"], in: folder) }
        // --detach returns once everything is up; down once everything has stopped.
        var detach: [Double] = [], down: [Double] = []
        for _ in 0..<starts {
            detach.append(try timed(apphostPath, ["run", "--detach", "--dashboard-port", "0"], in: folder))
            down.append(try timed(apphostPath, ["down"], in: folder))
        }
        report("apphost run --detach until it returns (emulator + app, \(starts) runs): \(Self.summary(detach))")
        report("apphost down until the run has ended (\(starts) runs): \(Self.summary(down))")

        let run = try ChildRun(apphostPath, ["run", "--no-color", "--watch", "--dashboard-port", "0"], in: folder)
        _ = try run.waitForLine(containing: " is up in ", timeout: 30)
        let ps = try (0..<20).map { _ in try timed(apphostPath, ["ps"], in: folder) }
        report("apphost ps against a running sample (20 calls): \(Self.summary(ps))")
        var watch: [Double] = []
        for version in 1...starts {
            let saved = Date()
            try appSource(version: version).write(toFile: folder + "/app/app.py", atomically: true, encoding: .utf8)
            _ = try run.waitForLine(containing: "version \(version)", timeout: 30)
            watch.append(Date().timeIntervalSince(saved))
        }
        report("apphost run --watch, from saving app.py to the new process's first line (\(starts) saves, 250 ms of it the quiet period): \(Self.summary(watch))")
        run.interrupt()
        _ = run.waitForExit()
    }

    private func appSource(version: Int) -> String {
        "import time\nprint('version \(version)', flush=True)\ntime.sleep(3600)\n"
    }

    /// Seconds `apphost ARGUMENTS` takes in `folder`; fails unless it exits 0. Spawned and
    /// awaited with posix_spawn and waitpid: Foundation's Process.waitUntilExit polls, and would
    /// add up to 50 ms to each figure.
    private func timed(_ apphostPath: String, _ arguments: [String], in folder: String) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The model is named with -f, so the working folder does not matter.
        let argv: [UnsafeMutablePointer<CChar>?] = ([apphostPath] + arguments + ["--file", folder + "/apphost.yaml"]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let result = posix_spawn(&pid, apphostPath, &actions, nil, argv, environ)
        guard result == 0 else { throw BenchmarkFailure("cannot start \(apphostPath): \(String(cString: strerror(result)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let elapsed = Date().timeIntervalSince(start)
        guard status == 0 else { throw BenchmarkFailure("apphost \(arguments.joined(separator: " ")) failed (wait status \(status))") }
        return elapsed
    }

    /// `median 0.123 s, best 0.100 s, worst 0.150 s`, or in milliseconds below a tenth of a second.
    static func summary(_ values: [Double]) -> String {
        let sorted = values.sorted()
        let inMilliseconds = sorted[sorted.count / 2] < 0.1
        let show = { (value: Double) in inMilliseconds ? String(format: "%.1f ms", value * 1000) : String(format: "%.3f s", value) }
        return "median \(show(sorted[sorted.count / 2])), best \(show(sorted.first!)), worst \(show(sorted.last!))"
    }
}
