import Foundation
import Testing

@Suite("apphost run: checks before anything starts")
struct RunCommandTests {
    private func run(_ yaml: String, _ arguments: [String] = []) throws -> AppHostProcess.Result {
        let folder = try AppHostProcess.temporaryFolder(["apphost.yaml": yaml])
        defer { try? FileManager.default.removeItem(at: folder) }
        return try AppHostProcess.run(["run"] + arguments, in: folder)
    }

    @Test("A misspelt command is reported at its place with a suggestion, and nothing starts")
    func misspeltCommand() throws {
        let result = try run("""
            resources:
              signalr:
                type: signalr
              api:
                type: project
                command: pyhton3 app.py
                references: [signalr]
            """)
        #expect(result.status == 1)
        #expect(result.stderr.contains("apphost.yaml:6:14: error: 'api' would fail to start (FailedToStart): 'pyhton3' not found on PATH"))
        #expect(result.stderr.contains("hint: did you mean 'python3'?"))
        #expect(result.stderr.contains("nothing was started"))
        #expect(!result.stdout.contains("started"))
    }

    @Test("A working directory that does not exist is reported at its place")
    func missingWorkingDirectory() throws {
        let result = try run("""
            resources:
              api:
                type: project
                command: python3 app.py
                workingDirectory: apps/missing
            """)
        #expect(result.status == 1)
        #expect(result.stderr.contains("apphost.yaml:5:23: error: 'api' would fail to start: the working directory 'apps/missing' does not exist"))
    }

    @Test("A fixed port in use is reported with the process that holds it")
    func portInUse() throws {
        let (listener, port) = try AppHostProcess.listeningSocket()
        defer { close(listener) }
        let result = try run("""
            resources:
              signalr:
                type: signalr
                port: \(port)
            """)
        #expect(result.status == 1)
        #expect(result.stderr.contains("apphost.yaml:4:11: error: port \(port) of 'signalr' is already in use by "))
        #expect(result.stderr.contains("(pid \(getpid()))"))
        #expect(result.stderr.contains("hint: stop what holds it, or choose another port (0 picks a free one)"))
    }

    @Test("A dashboard port in use is refused with its holder, and nothing starts")
    func dashboardPortInUse() throws {
        let (listener, port) = try AppHostProcess.listeningSocket()
        defer { close(listener) }
        let result = try run("resources:\n  signalr:\n    type: signalr\n", ["--dashboard-port", "\(port)"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: the dashboard's port \(port) is already in use by "))
        #expect(result.stderr.contains("hint: give another --dashboard-port, 0 for a free one, or --no-dashboard"))
        #expect(!result.stdout.contains("started"))
    }

    @Test("A dashboard port out of range is refused before anything is read")
    func dashboardPortOutOfRange() throws {
        let result = try run("resources: {}\n", ["--dashboard-port", "70000"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--dashboard-port must be between 0 and 65535 (0 picks a free port), not 70000"))
    }

    @Test("A bad shutdownTimeout is a located error")
    func badShutdownTimeout() throws {
        let result = try run("""
            resources:
              api:
                type: project
                command: python3 app.py
                shutdownTimeout: soon
            """)
        #expect(result.status == 1)
        #expect(result.stderr.contains("apphost.yaml:5:22: error: 'shutdownTimeout' must be a duration such as 10s, 500ms or 2m (longer than 0, at most 1h), not 'soon'"))
    }

    @Test("--help explains restart, shutdown and logs")
    func help() throws {
        let result = try AppHostProcess.run(["run", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("shutdownTimeout"))
        #expect(result.stdout.contains("--no-color"))
        #expect(result.stdout.contains(".apphost/logs/<name>.log"))
    }
}
