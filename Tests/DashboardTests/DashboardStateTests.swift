import Foundation
import Testing
@testable import Dashboard

@Suite("Dashboard state")
struct DashboardStateTests {
    func sample() -> DashboardState {
        DashboardState(applicationName: "chat", resources: [
            DashboardResource(name: "signalr", kind: .signalREmulator, summary: "SignalR emulator (Serverless)"),
            DashboardResource(name: "api", kind: .project, summary: "project"),
        ])
    }

    @Test("Each resource keeps its newest lines, numbered from 1, and a reader asks for those after the last it has")
    func linesAreKeptAndNumbered() throws {
        let state = sample()
        let total = DashboardState.linesKept * 2 + 7
        for number in 1...total { state.append("api", text: "line \(number)", isError: number.isMultiple(of: 2)) }
        state.append("signalr", text: "other", isError: false)

        let kept = try #require(state.lines(of: "api"))
        #expect(kept.count == DashboardState.linesKept)
        #expect(kept.first?.sequence == total - DashboardState.linesKept + 1)
        #expect(kept.last == DashboardLogLine(resource: "api", sequence: total, time: kept.last!.time, isError: false, text: "line \(total)"))
        #expect(state.lines(of: "api", after: total - 2)?.map(\.text) == ["line \(total - 1)", "line \(total)"])
        #expect(state.lines(of: "signalr")?.map(\.sequence) == [1])
        #expect(state.lines(of: "nobody") == nil)
    }

    @Test("Lines appended in batches are numbered on, kept within the bound, and heard one by one")
    func batchesAreNumberedAndBounded() async throws {
        let state = sample()
        let updates = state.subscribe(buffered: 100_000)
        var written = 0
        for size in [1, 0, 3, 4_999, 2_500, 17] {
            state.append("api", lines: (0..<size).map { "line \(written + $0 + 1)" }, isError: false)
            written += size
        }
        let kept = try #require(state.lines(of: "api"))
        #expect(kept.count == DashboardState.linesKept)
        #expect(kept.map(\.sequence) == Array(written - DashboardState.linesKept + 1...written))
        #expect(kept.last?.text == "line \(written)")
        state.finish()
        var heard = 0
        for await update in updates {
            guard case .line(let line) = update else { continue }
            heard += 1
            #expect(line.sequence == heard)
        }
        #expect(heard == written)
    }

    @Test("Subscribers hear every change in order, and finish() ends their streams and later ones")
    func subscribersHearChangesInOrder() async throws {
        let state = sample()
        let updates = state.subscribe()
        state.update("api") { $0.state = "Starting" }
        state.append("api", text: "hello", isError: false)
        state.update("api") {
            $0.state = "Running"
            $0.pid = 42
        }
        state.update("nobody") { $0.state = "Running" }
        state.finish()

        var heard: [String] = []
        for await update in updates {
            switch update {
            case .resource(let resource): heard.append("\(resource.name) \(resource.state)")
            case .line(let line): heard.append("\(line.resource): \(line.text)")
            }
        }
        #expect(heard == ["api Starting", "api: hello", "api Running"])
        #expect(state.resources.map(\.state) == ["NotStarted", "Running"])
        var late = 0
        for await _ in state.subscribe() { late += 1 }
        #expect(late == 0)
    }

    @Test("The page's title is escaped, and the page carries no inline script")
    func pageEscapesTheTitle() {
        let html = DashboardPage.html(title: "<script>alert('x')</script> & co")
        #expect(html.contains("<title>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co · apphost</title>"))
        #expect(!html.contains("<script>alert"))
        // Two scripts, both from files: every <script has a src.
        #expect(html.components(separatedBy: "<script").count == 3)
        #expect(html.components(separatedBy: "<script src=\"/").count == 3)
        #expect(html.contains("<script src=\"/dashboard.js\"></script>") && html.contains("<script src=\"/telemetry.js\"></script>"))
        #expect(!html.contains("<style"), "the styles are in /dashboard.css, which the policy allows")
    }
}
