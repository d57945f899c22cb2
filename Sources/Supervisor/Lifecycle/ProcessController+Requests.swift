/// What a person asks of one process while the rest keeps running (from the dashboard).
public enum ResourceAction: String, Sendable, CaseIterable {
    /// Start a process that has ended, been stopped or given up after a crash loop.
    case start
    /// Stop the process (SIGTERM, SIGKILL after its shutdown timeout); it stays stopped until started.
    case stop
    /// Stop it and start it again at once, without counting a failure.
    case restart
}

/// Why a request about one process was not carried out.
public struct ActionRefusal: Error, Sendable, CustomStringConvertible {
    /// The reason, for the person who asked.
    public let description: String
}

extension ProcessController {
    /// Carries out `action`, announcing it; returns once the old process (if any) has exited
    /// (and, for a stop, once it is recorded as stopped).
    func perform(_ action: ResourceAction) async throws(ActionRefusal) {
        guard !stopRequested.isOpen else { throw ActionRefusal(description: "apphost is stopping everything") }
        let state = board.snapshot[name]?.state ?? .notStarted
        switch action {
        case .start:
            guard isIdle else { throw ActionRefusal(description: "\(name) is \(state) already; restart it instead") }
            environment.console.announce("\(name): start requested")
            startNow.open()
        case .stop:
            guard !isIdle else { throw ActionRefusal(description: "\(name) is not running (\(state))") }
            environment.console.announce("\(name): stop requested")
            episodeEnds.open()
            await terminateCurrent()
            // Recorded once its output is drained, as a stop at shutdown is.
            let name = name
            await board.wait { $0[name]?.state.isFinal ?? true }
        case .restart:
            if current != nil {
                environment.console.announce("\(name): restart requested")
                restartRequested = true
                await terminateCurrent()
            } else if isIdle || state.isRestarting {
                // Ended, or waiting out a restart delay: start at once.
                environment.console.announce("\(name): restart requested")
                startNow.open()
            } else {
                throw ActionRefusal(description: "\(name) is \(state); it starts by itself as soon as it can")
            }
        }
    }
}
