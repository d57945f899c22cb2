import Emulator
import Foundation
import Synchronization
import Testing
@testable import Dashboard

@Suite("Dashboard client")
struct DashboardClientTests {
    func sample() -> DashboardState {
        DashboardState(applicationName: "chat", resources: [
            DashboardResource(name: "signalr", kind: .signalREmulator, summary: "SignalR emulator (Serverless)"),
            DashboardResource(name: "api", kind: .project, summary: "project"),
            DashboardResource(name: "web", kind: .project, summary: "project"),
        ])
    }

    @Test("It reads the resources and the kept lines, times to the millisecond")
    func readsResourcesAndLines() async throws {
        let state = sample()
        let written = Date(timeIntervalSince1970: 1_800_000_000.123)
        state.append("api", text: "one", isError: false, time: written)
        state.append("api", text: "two", isError: true, time: written.addingTimeInterval(0.001))
        try await LiveDashboard.with(state) { dashboard in
            let client = DashboardClient(port: dashboard.port, token: dashboard.token, client: dashboard.client)
            #expect(try await client.resources().map(\.name) == ["signalr", "api", "web"])
            let lines = try await client.lines(of: "api")
            #expect(lines.map(\.text) == ["one", "two"])
            #expect(lines.map(\.isError) == [false, true])
            #expect(abs(lines[0].time.timeIntervalSince(written)) <= 0.0011)
            #expect(lines[1].time > lines[0].time)
            #expect(try await client.lines(of: "api", after: 1).map(\.text) == ["two"])
            await #expect(throws: DashboardClient.Failure.notFound("no resource is called 'nobody'")) {
                try await client.lines(of: "nobody")
            }
        }
    }

    @Test("Actions are carried out, and a refusal arrives with its reason")
    func actions() async throws {
        let (asked, handler) = LiveDashboard.recordingActions(refusing: "start", because: "api is Running already; restart it instead")
        try await LiveDashboard.with(sample(), actions: handler) { dashboard in
            let client = DashboardClient(port: dashboard.port, token: dashboard.token, client: dashboard.client)
            try await client.perform("restart", on: "api")
            await #expect(throws: DashboardClient.Failure.refused("api is Running already; restart it instead")) {
                try await client.perform("start", on: "api")
            }
            #expect(asked.all == ["restart api", "start api"])
        }
    }

    @Test("A wrong token is unauthorized; a port where nothing listens is unreachable")
    func wrongTokenAndNoServer() async throws {
        try await LiveDashboard.with(sample()) { dashboard in
            let stranger = DashboardClient(port: dashboard.port, token: String(dashboard.token.reversed()), client: dashboard.client)
            await #expect(throws: DashboardClient.Failure.unauthorized) { try await stranger.resources() }
            let nobody = DashboardClient(port: try LoopbackSocket.freePort(), token: dashboard.token, client: dashboard.client)
            let failure = await #expect(throws: DashboardClient.Failure.self) { try await nobody.resources() }
            guard case .unreachable? = failure else {
                Issue.record("expected unreachable, got \(String(describing: failure))")
                return
            }
        }
    }

    @Test("The update stream carries the lines of the resources asked for (or all) and ends with the run")
    func updatesEndWithTheRun() async throws {
        let state = sample()
        try await LiveDashboard.with(state) { dashboard in
            let client = DashboardClient(port: dashboard.port, token: dashboard.token, client: dashboard.client)
            let some = try await client.updates(logsOf: ["api", "web"])
            let all = try await client.updates(logsOf: ["*"])
            // The streams are open once the server has subscribed them: each is told of this change.
            state.update("signalr") { $0.state = "Running" }
            var iterators = [some.makeAsyncIterator(), all.makeAsyncIterator()]
            for index in iterators.indices {
                guard case .resource(let resource)? = try await iterators[index].next() else {
                    Issue.record("the first update should be the change")
                    return
                }
                #expect(resource.state == "Running")
            }
            state.append("signalr", text: "from signalr", isError: false)
            state.append("api", text: "from api", isError: false)
            state.append("web", text: "from web", isError: true)
            state.finish()
            var texts: [[String]] = [[], []]
            for index in iterators.indices {
                while let update = try await iterators[index].next() {
                    if case .line(let line) = update { texts[index].append(line.text) }
                }
            }
            #expect(texts[0] == ["from api", "from web"])
            #expect(texts[1] == ["from signalr", "from api", "from web"])
        }
    }

    @Test("Times are read with or without a fraction of a second")
    func timesWithAndWithoutFraction() throws {
        struct Stamp: Decodable { var time: Date }
        let decoder = DashboardJSON.decoder()
        let whole = try decoder.decode(Stamp.self, from: Data(#"{"time":"2026-11-29T10:00:00Z"}"#.utf8))
        let fraction = try decoder.decode(Stamp.self, from: Data(#"{"time":"2026-11-29T10:00:00.250Z"}"#.utf8))
        #expect(fraction.time.timeIntervalSince(whole.time) == 0.25)
        #expect(throws: DecodingError.self) { try decoder.decode(Stamp.self, from: Data(#"{"time":"yesterday"}"#.utf8)) }
    }
}
