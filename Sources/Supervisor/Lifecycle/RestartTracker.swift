/// The timing of restarts: exponential backoff and the crash-loop stop.
public struct RestartBackoff: Sendable {
    /// The delay before the first restart.
    public var initialDelay: Duration = .seconds(1)
    /// The longest delay; each failure doubles the last one up to this.
    public var maximumDelay: Duration = .seconds(30)
    /// A run at least this long resets the delay to ``initialDelay``.
    public var resetAfter: Duration = .seconds(30)
    /// Failures within ``crashLoopWindow`` that make a crash loop.
    public var crashLoopFailures = 5
    /// The window failures are counted in.
    public var crashLoopWindow: Duration = .seconds(60)

    /// 1 s doubling to 30 s, reset after a 30 s run, a crash loop at 5 failures within a minute.
    public init() {}
}

/// What to do after a process exits.
enum RestartDecision: Equatable {
    /// Leave it exited: its policy does not restart it.
    case leave
    /// Start it again after the delay.
    case restart(after: Duration)
    /// It failed too often too quickly: stop trying.
    case crashLoop
}

/// Counts a process's exits and decides, from its restart policy, whether and when it runs again.
/// Pure: the caller passes the clock readings.
struct RestartTracker {
    let policy: RestartPolicy
    let backoff: RestartBackoff
    private var consecutiveFailures = 0
    private var recentExits: [ContinuousClock.Instant] = []

    init(policy: RestartPolicy, backoff: RestartBackoff) {
        self.policy = policy
        self.backoff = backoff
    }

    /// Records an exit with `status` of a run from `started` to `ended`, and decides.
    mutating func decide(after status: ExitStatus, started: ContinuousClock.Instant, ended: ContinuousClock.Instant) -> RestartDecision {
        switch policy {
        case .never: return .leave
        case .onFailure where status.isSuccess: return .leave
        default: break
        }
        return decideRestart(started: started, ended: ended)
    }

    /// Records a restart the supervisor forces (an unhealthy process under `always`), and decides.
    mutating func decideRestart(started: ContinuousClock.Instant, ended: ContinuousClock.Instant) -> RestartDecision {
        if started.duration(to: ended) >= backoff.resetAfter { consecutiveFailures = 0 }
        consecutiveFailures += 1
        recentExits.append(ended)
        recentExits.removeAll { $0.duration(to: ended) > backoff.crashLoopWindow }
        if recentExits.count >= backoff.crashLoopFailures { return .crashLoop }
        var delay = backoff.initialDelay
        for _ in 1..<consecutiveFailures where delay < backoff.maximumDelay { delay *= 2 }
        return .restart(after: min(delay, backoff.maximumDelay))
    }

    /// `1 s`, `250 ms`: a short form of a delay.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return "\(Double(milliseconds) / 1000) s"
    }
}
