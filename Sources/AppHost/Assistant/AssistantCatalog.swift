/// The tools of `apphost mcp`, each described so that an assistant knows when to call it and
/// what it gets back.
enum AssistantCatalog {
    static let resourceName = AssistantTool.Argument(name: "resource", kind: .string, description: "The resource's name in apphost.yaml.", required: true)
    static let signalRResource = AssistantTool.Argument(
        name: "resource", kind: .string,
        description: "An emulated SignalR resource's name in apphost.yaml (default: every one; for sending, the only one).")

    static let tools: [AssistantTool] = [
        AssistantTool(
            name: "list_resources",
            description: """
                List every resource of the running application (the `apphost run` of this apphost.yaml): name, kind \
                (project, signalREmulator, signalRCloud), state (NotStarted, Waiting, Starting, Running, Unhealthy, \
                Restarting, Exited, FailedToStart, Stopping, Stopped) with the reason, URL, process id, when it \
                started and how many times. Start here to see what runs and what failed.
                """),
        AssistantTool(
            name: "get_logs",
            description: """
                Read what resources' processes wrote to stdout and stderr, as apphost kept it (lines marked [err] \
                came from stderr; lines marked [apphost] are apphost's own notes: started, exited with status, \
                restarting). Without `resource`, every resource's lines merged in time order. Use it to find why \
                something crashed or misbehaves.
                """,
            arguments: [
                .init(name: "resource", kind: .string, description: "Only this resource (default: every one)."),
                .init(name: "tail", kind: .integer, description: "The newest N lines (default 100, at most 5000)."),
                .init(name: "since", kind: .string,
                      description: "Only lines after this time: ISO 8601 (2026-12-02T10:00:00Z) or a duration ago (90s, 5m, 2h)."),
                .init(name: "filter", kind: .string, description: "Only lines that contain this text (ignoring case)."),
            ]),
        AssistantTool(
            name: "restart_resource",
            description: """
                Restart a resource: SIGTERM to its process group, SIGKILL after its shutdownTimeout, then start it again \
                with the same variables. Returns once the old process has exited; call list_resources or get_logs to see \
                the new one come up. Use it after changing code that is not watched, or to recover a resource that failed.
                """,
            arguments: [resourceName], readOnly: false),
        AssistantTool(
            name: "stop_resource",
            description: """
                Stop a resource (SIGTERM, then SIGKILL after its shutdownTimeout); it stays stopped, whatever its restart \
                policy, until start_resource. The rest of the application keeps running.
                """,
            arguments: [resourceName], readOnly: false),
        AssistantTool(
            name: "start_resource",
            description: "Start a resource that was stopped, has exited, or gave up after crashing repeatedly (once fixed).",
            arguments: [resourceName], readOnly: false),
        AssistantTool(
            name: "get_environment",
            description: """
                The environment variables apphost gives a project in this run: <NAME>_URI and ConnectionStrings__<name> \
                for each SignalR reference, services__<name>__http__0 and <NAME>_URL for each project reference, PORT, \
                and the project's own env. Access keys and other secrets are masked.
                """,
            arguments: [.init(name: "resource", kind: .string, description: "The project's name in apphost.yaml.", required: true)]),
        AssistantTool(
            name: "list_signalr_connections",
            description: """
                The clients connected to emulated SignalR resources: per hub, each connection's id, user id, groups, \
                transport (WebSockets, ServerSentEvents, LongPolling), hub protocol (json, messagepack), when it \
                connected and, in Default mode, the app server it is routed to; then the app servers' server connections \
                (Default mode) with their clients and message counts.
                """,
            arguments: [signalRResource, .init(name: "hub", kind: .string, description: "Only this hub (ignoring case).")]),
        AssistantTool(
            name: "get_signalr_messages",
            description: """
                The newest events of emulated SignalR resources, oldest first: clients that connected (connected) and \
                left (disconnected, with the error), invocations clients sent (messageIn, with target and arguments), \
                messages sent to clients (messageOut, with how many connections received them), upstream calls \
                (upstream, with URL, status and duration), refused requests (refused, with the reason), and in Default \
                mode the traffic between clients and app servers (toServer, serverMessage). The emulator keeps its \
                newest 500 events; `dropped` says how many older ones are gone.
                """,
            arguments: [signalRResource, .init(name: "hub", kind: .string, description: "Only events of this hub (ignoring case)."),
                        .init(name: "limit", kind: .integer, description: "At most this many events, the newest (default 50, at most 500).")]),
        AssistantTool(
            name: "send_signalr_message",
            description: """
                Invoke a client method on clients of a hub, as the service's REST API does: on one connection \
                (connectionId), on a user's connections (userId), on a group (group), or, with none of the three, on \
                every client of the hub. Returns how many connections received it. Use it to drive the app's real-time \
                UI or to check that clients handle a message.
                """,
            arguments: [
                signalRResource,
                .init(name: "hub", kind: .string, description: "The hub's name.", required: true),
                .init(name: "target", kind: .string, description: "The client method to invoke (newMessage, …).", required: true),
                .init(name: "arguments", kind: .array, description: "Its arguments, any JSON values (default: none)."),
                .init(name: "connectionId", kind: .string, description: "Only this connection."),
                .init(name: "userId", kind: .string, description: "Only this user's connections."),
                .init(name: "group", kind: .string, description: "Only this group's connections."),
            ],
            readOnly: false),
        AssistantTool(
            name: "list_traces",
            description: """
                The traces the application's projects and emulators sent (OpenTelemetry), newest first: each trace's id, \
                its root span's name and resource, every resource it crossed, when it started, how long it took, how many \
                spans it has and whether one failed. A chat message shows as one trace: the emulator's invoke, its upstream \
                call, the app's span, the app's REST call and the emulator's fan-out. Then get_trace for its spans.
                """,
            arguments: [
                .init(name: "resource", kind: .string, description: "Only traces with a span of this resource."),
                .init(name: "name", kind: .string, description: "Only traces whose root span's name contains this (ignoring case)."),
                .init(name: "minDurationMs", kind: .integer, description: "Only traces that took at least this many milliseconds."),
                .init(name: "errorsOnly", kind: .string, description: "\"true\" for traces with a failed span only."),
                .init(name: "limit", kind: .integer, description: "At most this many (default 20, at most 500)."),
            ]),
        AssistantTool(
            name: "get_trace",
            description: """
                The spans of one trace in the order they started: resource, name, kind, parent, start, duration, status \
                (with the error's message), attributes and events. Use it to see where a request went and where it failed \
                or spent its time.
                """,
            arguments: [.init(name: "traceId", kind: .string, description: "The trace's id (32 hex digits), from list_traces or a log record.",
                              required: true)]),
        AssistantTool(
            name: "validate_model",
            description: """
                Check apphost.yaml without starting anything (no run is needed): every error and warning with its file, \
                line and column, what is wrong and a hint at what would be right; or a summary of the resources when it \
                is valid.
                """),
    ]

    /// The tool called `name`.
    static func tool(named name: String) -> AssistantTool? {
        tools.first { $0.name == name }
    }
}
