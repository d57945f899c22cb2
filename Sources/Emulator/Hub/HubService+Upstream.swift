import Foundation

/// Client events that go to the app: invocations and stream invocations (whose answers become
/// the caller's completion), and the `connected`/`disconnected` notifications.
extension HubService {
    /// A client's invocation: to the upstream whose template matches, and its answer back to the
    /// caller when the invocation has an id.
    func handleInvocation(_ invocation: Invocation, body: [UInt8], connection: ClientConnection, kind: HubProtocolKind) async {
        // A client that traces sends its context in the invocation's headers; else the
        // invocation starts a trace.
        let parent = invocation.headers["traceparent"].flatMap(TraceContext.init(traceparent:))
        await traced("invoke \(invocation.target)", kind: .server, parent: parent) { span in
            span?.set("signalr.hub", .string(connection.hub))
            span?.set("signalr.target", .string(invocation.target))
            span?.set("signalr.connection_id", .string(connection.id))
            await forwardInvocation(invocation, body: body, connection: connection, kind: kind, span: span)
        }
    }

    private func forwardInvocation(_ invocation: Invocation, body: [UInt8], connection: ClientConnection, kind: HubProtocolKind, span: Span?) async {
        registry.countIn(hub: connection.hub)
        events.publish("messageIn", [("hub", .string(connection.hub)), ("connectionId", .string(connection.id)),
                                     ("target", .string(invocation.target)), ("arguments", .array(invocation.arguments))])
        guard let rule = UpstreamRule.firstMatch(in: configuration.upstream, hub: connection.hub, category: .messages, event: invocation.target) else {
            if let id = invocation.invocationID {
                send(.completion(Completion(invocationID: id, outcome: .error(
                    "No upstream handles '\(invocation.target)' in hub '\(connection.hub)'. Configure an upstream URL template for the emulator."))), to: connection)
            } else {
                logger.info("no upstream for client invocation", metadata: ["hub": "\(connection.hub)", "target": "\(invocation.target)"])
            }
            span?.fail("no upstream handles '\(invocation.target)'")
            return
        }
        let outcome = await callUpstream(rule, connection: connection, category: .messages, event: invocation.target, body: body, contentType: kind.contentType)
        let completion = Self.completion(of: outcome, kind: kind)
        if case .error(let message) = completion { span?.fail(message) }
        guard let id = invocation.invocationID else { return }
        send(.completion(Completion(invocationID: id, outcome: completion)), to: connection)
    }

    /// What the caller of an upstream invocation gets for the upstream's answer.
    static func completion(of outcome: UpstreamClient.Outcome, kind: HubProtocolKind) -> Completion.Outcome {
        switch outcome {
        case .response(let status, let body, let contentType) where (200..<300).contains(status):
            UpstreamAnswer.outcome(status: status, body: body, contentType: contentType, kind: kind)
        case .response(let status, _, _):
            .error("The upstream answered with status \(status).")
        case .failed(let reason):
            .error("The upstream could not be reached: \(reason)")
        }
    }

    /// A stream invocation goes upstream like any invocation; the app then streams to the
    /// client with the REST API (`connections/{id}/streams/{invocationId}/:send`, `:complete`).
    /// An upstream that refuses, or answers with a completion at once, ends the stream.
    func handleStreamInvocation(_ invocation: Invocation, body: [UInt8], connection: ClientConnection, kind: HubProtocolKind) async {
        registry.countIn(hub: connection.hub)
        events.publish("messageIn", [("hub", .string(connection.hub)), ("connectionId", .string(connection.id)),
                                     ("target", .string(invocation.target)), ("arguments", .array(invocation.arguments))])
        guard let id = invocation.invocationID else { return }
        guard let rule = UpstreamRule.firstMatch(in: configuration.upstream, hub: connection.hub, category: .messages, event: invocation.target) else {
            send(.completion(Completion(invocationID: id, outcome: .error(
                "No upstream handles the stream '\(invocation.target)' in hub '\(connection.hub)'. Configure an upstream URL template for the emulator."))), to: connection)
            return
        }
        let outcome = await callUpstream(rule, connection: connection, category: .messages, event: invocation.target, body: body, contentType: kind.contentType)
        if case .response(let status, let answer, _) = outcome, (200..<300).contains(status), answer.isEmpty { return }
        send(.completion(Completion(invocationID: id, outcome: Self.completion(of: outcome, kind: kind))), to: connection)
    }

    /// Sends a `connected` or `disconnected` event upstream, if a template matches: a JSON object
    /// for JSON clients, a MessagePack array of the same values for MessagePack clients.
    func notifyUpstream(_ connection: ClientConnection, event: String, fields: [(String, HubValue)]) async {
        guard let kind = connection.protocolKind,
              let rule = UpstreamRule.firstMatch(in: configuration.upstream, hub: connection.hub, category: .connections, event: event) else { return }
        let body = kind == .json ? JSONCodec.encode(.map(fields.map { HubPair(.string($0.0), $0.1) }))
            : MessagePackCodec.encode(.array(fields.map(\.1)))
        _ = await callUpstream(rule, connection: connection, category: .connections, event: event, body: body, contentType: kind.contentType)
    }

    func callUpstream(_ rule: UpstreamRule, connection: ClientConnection, category: UpstreamRule.Category, event: String,
                      body: [UInt8], contentType: String) async -> UpstreamClient.Outcome {
        let url = rule.url(hub: connection.hub, category: category, event: event)
        // The app's own spans join the trace through the `traceparent` it receives.
        return await traced("upstream \(category.rawValue)/\(event)", kind: .client) { span in
            span?.set("url.full", .string(url))
            let outcome = await post(rule, url: url, connection: connection, category: category, event: event, body: body,
                                     contentType: contentType, traceparent: span?.context.traceparent)
            switch outcome {
            case .response(let status, _, _):
                span?.set("http.response.status_code", .int(Int64(status)))
                if !(200..<300).contains(status) { span?.fail("the upstream answered \(status)") }
            case .failed(let reason):
                span?.fail(reason)
            }
            return outcome
        }
    }

    private func post(_ rule: UpstreamRule, url: String, connection: ClientConnection, category: UpstreamRule.Category, event: String,
                      body: [UInt8], contentType: String, traceparent: String?) async -> UpstreamClient.Outcome {
        let start = ContinuousClock.now
        let outcome = await upstream.post(url: url, connection: connection, category: category, event: event, body: body, contentType: contentType,
                                          tokenResource: rule.tokenResource, traceparent: traceparent)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var fields: [(String, HubValue)] = [("url", .string(url)), ("event", .string(event)), ("category", .string(category.rawValue)),
                                           ("connectionId", .string(connection.id)), ("durationMs", .double(milliseconds))]
        switch outcome {
        case .response(let status, _, _):
            fields.append(("status", .int(Int64(status))))
            if !(200..<300).contains(status) {
                logger.warning("upstream answered \(status)", metadata: ["url": "\(url)", "event": "\(event)"])
            }
        case .failed(let reason):
            fields.append(("error", .string(reason)))
            logger.warning("upstream call failed: \(reason)", metadata: ["url": "\(url)", "event": "\(event)"])
        }
        events.publish("upstream", fields)
        return outcome
    }
}
