import ArgumentParser
import MCP

/// `apphost mcp`: a Model Context Protocol server on standard input and output, through which
/// an AI coding assistant sees and drives the running application.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the running application to an AI coding assistant (Model Context Protocol, stdio).",
        discussion: """
            An editor's assistant starts `apphost mcp` and talks MCP (JSON-RPC) over its standard input \
            and output. Its tools see the `apphost run` of this apphost.yaml the way `apphost ps` does: \
            list_resources, get_logs, restart_resource, stop_resource, start_resource and \
            get_environment; list_signalr_connections, get_signalr_messages and send_signalr_message \
            for each emulated SignalR resource; list_traces and get_trace for what the projects and \
            emulators sent with OpenTelemetry; and validate_model, which needs no run. When no run is \
            going, tools answer so, with how to start one. Secrets stay masked.

            Configure an editor with: command `apphost`, args `["mcp"]` (add `"-f", "path/to/apphost.yaml"` \
            when the editor does not start it in the application's folder). Nothing is written to \
            standard output but the protocol; apphost's own notes go to standard error.
            """
    )

    @OptionGroup var model: ModelOptions

    func run() async throws {
        let toolbox = AssistantToolbox(model: model)
        let server = Server(
            name: "apphost",
            version: AppHostCommand.configuration.version,
            instructions: """
                apphost runs this application's projects and its Azure SignalR Service emulators. Call \
                list_resources first; get_logs explains failures; restart_resource applies a fix. \
                list_signalr_connections and get_signalr_messages show the real-time traffic.
                """,
            capabilities: .init(tools: .init(listChanged: false))
        )
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: AssistantCatalog.tools.map(\.definition))
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            await toolbox.call(parameters.name, arguments: parameters.arguments)
        }
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}
