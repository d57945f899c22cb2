import Dashboard
import Foundation
import MCP
import Resources

/// Carries out the tools of `apphost mcp` against the `apphost run` of one apphost.yaml, found
/// as `apphost ps` finds it (the dashboard address in `.apphost/run/`), anew at each call: a run
/// that starts or ends while the assistant works is seen at once.
struct AssistantToolbox: Sendable {
    /// Which apphost.yaml.
    let model: ModelOptions

    /// The answer to one call: the tool's text, or its failure as a tool error with the reason.
    func call(_ name: String, arguments: [String: Value]?) async -> CallTool.Result {
        do {
            guard let tool = AssistantCatalog.tool(named: name) else {
                throw ToolFailure("there is no tool '\(name)'; the tools are \(AssistantCatalog.tools.map(\.name).joined(separator: ", "))")
            }
            let text = try await perform(tool, ToolArguments(arguments, of: tool))
            return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: false)
        } catch let failure as ToolFailure {
            return CallTool.Result(content: [.text(text: failure.reason, annotations: nil, _meta: nil)], isError: true)
        } catch {
            return CallTool.Result(content: [.text(text: "\(error)", annotations: nil, _meta: nil)], isError: true)
        }
    }

    private func perform(_ tool: AssistantTool, _ arguments: ToolArguments) async throws -> String {
        switch tool.name {
        case "validate_model": return try validate()
        case "list_resources": return try JSONText.encode(try await run().resources())
        case "get_logs": return try await logs(arguments)
        case "restart_resource", "stop_resource", "start_resource":
            let action = String(tool.name.prefix { $0 != "_" })
            return try await act(action, on: try arguments.string("resource") ?? "")
        case "get_environment": return try await environment(of: try arguments.string("resource") ?? "")
        case "list_signalr_connections": return try await connections(arguments)
        case "get_signalr_messages": return try await messages(arguments)
        case "send_signalr_message": return try await send(arguments)
        case "list_traces": return try await traces(arguments)
        case "get_trace": return try await trace(try arguments.string("traceId") ?? "")
        default: throw ToolFailure("the tool '\(tool.name)' is not served")
        }
    }

    // MARK: The run

    /// The run, or why there is none and how to start one.
    private func run() throws(ToolFailure) -> RunningApplication {
        do {
            return try RunningApplication.find(model)
        } catch {
            throw ToolFailure(error.message.replacingOccurrences(of: "error: ", with: "") + "\n" + startHint)
        }
    }

    private var startHint: String {
        let folder = (try? model.locate().folder.path) ?? "the folder of apphost.yaml"
        return "To start it: run `apphost run` in \(folder) (in a terminal the developer keeps open); then call this tool again."
    }

    private func resource(_ name: String, of application: RunningApplication) async throws -> DashboardResource {
        let resources = try await application.resources()
        guard let found = resources.first(where: { $0.name == name }) else {
            let names = resources.map(\.name)
            throw ToolFailure("no resource '\(name)' in \(application.file.path)\(Suggestion.didYouMean(name, in: names)); the resources are \(names.joined(separator: ", "))")
        }
        return found
    }

    /// Calls the dashboard; its failures as the user would read them.
    private func dashboard<Value>(_ application: RunningApplication, _ body: (DashboardClient) async throws(DashboardClient.Failure) -> Value) async throws -> Value {
        do {
            return try await body(application.client)
        } catch {
            let reason = application.failure(error).message.replacingOccurrences(of: "error: ", with: "")
            if case .unreachable = error { throw ToolFailure(reason + "\n" + startHint) }
            throw ToolFailure(reason)
        }
    }

    // MARK: Tools

    private func validate() throws -> String {
        let (file, outcome) = try model.check(readingEnvFiles: true)
        let problems = outcome.diagnostics.map(\.description).joined(separator: "\n")
        guard let loaded = outcome.model else {
            let count = outcome.diagnostics.filter { $0.severity == .error }.count
            throw ToolFailure("\(count) error\(count == 1 ? "" : "s") in \(file.path):\n\(problems)")
        }
        return (["ok: \(file.path) is valid; \(ValidateCommand.summary(of: loaded))"] + (problems.isEmpty ? [] : ["warnings:", problems]))
            .joined(separator: "\n")
    }

    private func logs(_ arguments: ToolArguments) async throws -> String {
        let application = try run()
        let tail = try arguments.integer("tail", in: 1...5000) ?? 100
        let since = try arguments.string("since").map { text throws(ToolFailure) in try LogWindow.start(text, now: Date()) }
        let filter = try arguments.string("filter")
        let names: [String]
        if let name = try arguments.string("resource") {
            names = [try await resource(name, of: application).name]
        } else {
            names = try await application.resources().map(\.name)
        }
        var histories: [[DashboardLogLine]] = []
        for name in names {
            histories.append(try await dashboard(application) { client throws(DashboardClient.Failure) in try await client.lines(of: name) })
        }
        let lines = LogLineFormatter.merged(histories).filter { line in
            (since.map { line.time > $0 } ?? true) && (filter.map { line.text.localizedCaseInsensitiveContains($0) } ?? true)
        }.suffix(tail)
        guard !lines.isEmpty else { return "no lines" + (filter != nil || since != nil ? " match" : " yet") }
        let formatter = LogLineFormatter(resources: try await application.resources(), color: false, timestamps: true)
        return lines.map(formatter.format).joined(separator: "\n")
    }

    private func act(_ action: String, on name: String) async throws -> String {
        let application = try run()
        _ = try await resource(name, of: application)
        try await dashboard(application) { client throws(DashboardClient.Failure) in try await client.perform(action, on: name) }
        let now = try await resource(name, of: application)
        return "\(name): \(action == "stop" ? "stopped" : action + "ed"); now \(now.state)\(now.stateDetail.map { " (\($0))" } ?? "")"
    }

    private func environment(of name: String) async throws -> String {
        let found = try await resource(name, of: try run())
        guard found.kind == .project else { throw ToolFailure("'\(name)' is a SignalR resource; only projects receive variables") }
        return found.environment.map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
    }

    /// The emulated SignalR resources `arguments` names (its `resource`, else every one).
    private func emulators(_ arguments: ToolArguments, of application: RunningApplication) async throws -> [String] {
        if let name = try arguments.string("resource") {
            let found = try await resource(name, of: application)
            guard found.kind == .signalREmulator else {
                throw ToolFailure("'\(name)' is \(found.kind == .project ? "a project" : "a SignalR resource in Azure, not emulated here"); name an emulated SignalR resource")
            }
            return [name]
        }
        let names = try await application.resources().filter { $0.kind == .signalREmulator }.map(\.name)
        guard !names.isEmpty else { throw ToolFailure("\(application.file.path) has no emulated SignalR resource") }
        return names
    }

    private func connections(_ arguments: ToolArguments) async throws -> String {
        let application = try run()
        let hub = try arguments.string("hub")
        var result: [[String: Any]] = []
        for name in try await emulators(arguments, of: application) {
            let data = try await dashboard(application) { client throws(DashboardClient.Failure) in try await client.signalRState(of: name) }
            var state = try JSONText.object(data)
            if let hub, let hubs = state["hubs"] as? [[String: Any]] {
                state["hubs"] = hubs.filter { ($0["name"] as? String)?.lowercased() == hub.lowercased() }
                state["servers"] = (state["servers"] as? [[String: Any]])?.filter { ($0["hub"] as? String)?.lowercased() == hub.lowercased() }
            }
            result.append(["resource": name, "state": state])
        }
        return try JSONText.serialize(result)
    }

    private func messages(_ arguments: ToolArguments) async throws -> String {
        let application = try run()
        let hub = try arguments.string("hub")?.lowercased()
        let limit = try arguments.integer("limit", in: 1...500) ?? 50
        var result: [[String: Any]] = []
        for name in try await emulators(arguments, of: application) {
            // A hub filter applies to what was kept, so all of it is asked for.
            let data = try await dashboard(application) { client throws(DashboardClient.Failure) in
                try await client.signalRRecent(of: name, limit: hub == nil ? limit : 500)
            }
            var recent = try JSONText.object(data)
            if let hub, let events = recent["events"] as? [[String: Any]] {
                recent["events"] = Array(events.filter { ($0["hub"] as? String)?.lowercased() == hub }.suffix(limit))
            }
            result.append(["resource": name, "recent": recent])
        }
        return try JSONText.serialize(result)
    }

    private func traces(_ arguments: ToolArguments) async throws -> String {
        let application = try run()
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "limit", value: String(try arguments.integer("limit", in: 1...500) ?? 20))]
        if let resource = try arguments.string("resource") { query.queryItems?.append(URLQueryItem(name: "resource", value: resource)) }
        if let name = try arguments.string("name") { query.queryItems?.append(URLQueryItem(name: "name", value: name)) }
        if let minimum = try arguments.integer("minDurationMs", in: 0...86_400_000) {
            query.queryItems?.append(URLQueryItem(name: "minDurationMs", value: String(minimum)))
        }
        if let errors = try arguments.string("errorsOnly") {
            guard ["true", "false"].contains(errors) else { throw ToolFailure("'errorsOnly' must be \"true\" or \"false\", not '\(errors)'") }
            if errors == "true" { query.queryItems?.append(URLQueryItem(name: "errors", value: "true")) }
        }
        let data = try await dashboard(application) { client throws(DashboardClient.Failure) in
            try await client.telemetry("traces", query: query.percentEncodedQuery ?? "")
        }
        let traces = try JSONText.array(data)
        guard !traces.isEmpty else { return "no traces yet: projects send them with any OpenTelemetry SDK (apphost gives them the OTEL_* variables), and the emulators send their own" }
        return try JSONText.serialize(traces)
    }

    private func trace(_ traceID: String) async throws -> String {
        let application = try run()
        guard traceID.count == 32, traceID.allSatisfy(\.isHexDigit) else {
            throw ToolFailure("'traceId' must be 32 hex digits (from list_traces), not '\(traceID)'")
        }
        let data = try await dashboard(application) { client throws(DashboardClient.Failure) in
            try await client.telemetry("traces/\(traceID.lowercased())")
        }
        let spans = try JSONText.array(data)
        guard !spans.isEmpty else { throw ToolFailure("no trace \(traceID) was received (or its spans were dropped); call list_traces for the kept ones") }
        return try JSONText.serialize(spans)
    }

    private func send(_ arguments: ToolArguments) async throws -> String {
        let application = try run()
        let names = try await emulators(arguments, of: application)
        guard names.count == 1, let name = names.first else {
            throw ToolFailure("there are several emulated SignalR resources (\(names.joined(separator: ", "))); name one with 'resource'")
        }
        let recipients = ["connectionId", "userId", "group"].filter { (try? arguments.string($0)) != nil }
        guard recipients.count <= 1 else { throw ToolFailure("give one of connectionId, userId and group, not \(recipients.joined(separator: " and "))") }
        var message: [String: Value] = ["hub": .string(try arguments.string("hub") ?? ""), "target": .string(try arguments.string("target") ?? "")]
        if let given = arguments.value("arguments") {
            guard case .array = given else { throw ToolFailure("'arguments' must be an array of JSON values, such as [\"hello\"]") }
            message["arguments"] = given
        }
        for key in recipients { message[key] = .string(try arguments.string(key) ?? "") }
        let body = try JSONEncoder().encode(message)
        let answer: Data
        do {
            answer = try await application.client.sendSignalR(body, to: name)
        } catch {
            if case .unexpected(let status, let reason) = error, status == 400 { throw ToolFailure(reason) }
            throw ToolFailure(application.failure(error).message.replacingOccurrences(of: "error: ", with: ""))
        }
        let count = (try JSONText.object(answer))["recipients"] as? Int ?? 0
        return "sent \(message["target"]?.stringValue ?? "") to \(count) connection\(count == 1 ? "" : "s") of hub \(message["hub"]?.stringValue ?? "") on \(name)"
    }
}
