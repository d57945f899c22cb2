import Dashboard
import Foundation
import Resources
import Supervisor
import Testing
@testable import AppHost

/// What `apphost run` tells the dashboard: the model's resources, masked, and the supervisor's events.
@Suite("The dashboard's feed")
struct DashboardFeedTests {
    func feed(_ yaml: String) throws -> (DashboardFeed, key: String?) {
        let folder = try AppHostProcess.temporaryFolder(["apphost.yaml": yaml])
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = ModelFile(path: folder.appendingPathComponent("apphost.yaml").path)
        let model = try #require(try file.load().model)
        var allocator = SystemPortAllocator()
        let application = try ResolvedApplication(model: model, allocator: &allocator, keys: AccessKeyStore(stateFolder: file.stateFolder))
        let plan = ProcessPlan(file: file, application: application, executable: "/bin/false", baseEnvironment: [:])
        return (DashboardFeed(plan: plan), application.accessKeys["signalr"])
    }

    @Test("Access keys are masked in variables, connections and command lines")
    func keysAreMasked() throws {
        let (feed, generatedKey) = try feed("""
            resources:
              signalr:
                type: signalr
                mode: Serverless
              api:
                type: project
                command: ["python3", "app.py", "--connection", "{signalr.connectionString}"]
                references: [signalr]
            """)
        let key = try #require(generatedKey)
        let resources = feed.state.resources
        #expect(resources.map(\.kind) == [.signalREmulator, .project])
        let everything = String(decoding: try JSONEncoder().encode(resources), as: UTF8.self)
        #expect(!everything.contains(key))
        #expect(resources[1].command?.hasPrefix("python3 app.py --connection Endpoint=http://localhost:") == true)
        #expect(resources[1].command?.contains("AccessKey=********;") == true)
        #expect(resources[0].environment.map(\.name) == ["SIGNALR_URI", "ConnectionStrings__signalr"])
        #expect(resources[1].environment.contains { $0.name == "ConnectionStrings__signalr" && $0.value.contains("AccessKey=********;") })
    }

    @Test("Supervisor events become states with their details, starts with pids, and lines")
    func eventsAreApplied() throws {
        let (feed, _) = try feed("resources:\n  api:\n    type: project\n    command: python3 app.py\n")
        feed.apply(.stateChanged("api", .starting))
        feed.apply(.launched("api", pid: 4242))
        feed.apply(.stateChanged("api", .exited(.exited(3))))
        feed.apply(.output("api", lines: ["boom", "bang"], isError: true))
        let api = try #require(feed.state.resources.first)
        #expect(api.state == "Exited" && api.stateDetail == "code 3")
        #expect(api.pid == 4242 && api.starts == 1 && api.startedAt != nil)
        // The turns of its life are among its lines, marked as apphost's.
        let lines = try #require(feed.state.lines(of: "api"))
        #expect(lines.map(\.text) == ["started (pid 4242)", "Exited (code 3)", "boom", "bang"])
        #expect(lines.map(\.isLifecycle) == [true, true, false, false])
        #expect(lines.map(\.sequence) == [1, 2, 3, 4])
        #expect(DashboardFeed.split(.restarting(after: .seconds(2))) == ("Restarting", "in 2 s"))
        #expect(DashboardFeed.split(.waiting("for 'db' to be healthy (it is Starting)")) == ("Waiting", "for 'db' to be healthy (it is Starting)"))
        #expect(DashboardFeed.split(.running) == ("Running", nil))
    }
}
