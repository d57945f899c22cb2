import Testing
@testable import Supervisor

@Suite("Restart decisions")
struct RestartTrackerTests {
    private let start = ContinuousClock.now

    @Test("Delays double from 1 s up to 30 s")
    func backoff() {
        var tracker = RestartTracker(policy: .always, backoff: RestartBackoff())
        var delays: [Duration] = []
        var time = start
        for _ in 0..<4 {
            // Failures 20 s apart never reach five within a minute.
            let ended = time + .seconds(1)
            if case .restart(let delay) = tracker.decide(after: .exited(1), started: time, ended: ended) { delays.append(delay) }
            time = ended + .seconds(20)
        }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        var long = RestartTracker(policy: .always, backoff: RestartBackoff())
        var last: RestartDecision = .leave
        for index in 0..<8 {
            let begin = start + .seconds(Int64(index * 61))
            last = long.decide(after: .exited(1), started: begin, ended: begin + .seconds(1))
        }
        #expect(last == .restart(after: .seconds(30)))
    }

    @Test("A run of 30 s resets the delay")
    func reset() {
        var tracker = RestartTracker(policy: .onFailure, backoff: RestartBackoff())
        _ = tracker.decide(after: .exited(1), started: start, ended: start + .seconds(1))
        _ = tracker.decide(after: .exited(1), started: start + .seconds(2), ended: start + .seconds(3))
        let decision = tracker.decide(after: .signalled(9), started: start + .seconds(10), ended: start + .seconds(45))
        #expect(decision == .restart(after: .seconds(1)))
    }

    @Test("Five failures within a minute are a crash loop")
    func crashLoop() {
        var tracker = RestartTracker(policy: .onFailure, backoff: RestartBackoff())
        var decisions: [RestartDecision] = []
        for second in [0, 2, 5, 10, 20] {
            let at = start + .seconds(Int64(second))
            decisions.append(tracker.decide(after: .exited(2), started: at, ended: at + .milliseconds(100)))
        }
        #expect(decisions.last == .crashLoop)
        #expect(decisions.dropLast().allSatisfy { if case .restart = $0 { true } else { false } })
    }

    @Test("Policies: never leaves every exit, onFailure leaves success, always restarts success")
    func policies() {
        var never = RestartTracker(policy: .never, backoff: RestartBackoff())
        #expect(never.decide(after: .exited(1), started: start, ended: start) == .leave)
        var onFailure = RestartTracker(policy: .onFailure, backoff: RestartBackoff())
        #expect(onFailure.decide(after: .exited(0), started: start, ended: start) == .leave)
        #expect(onFailure.decide(after: .signalled(15), started: start, ended: start) == .restart(after: .seconds(1)))
        var always = RestartTracker(policy: .always, backoff: RestartBackoff())
        #expect(always.decide(after: .exited(0), started: start, ended: start) == .restart(after: .seconds(1)))
    }

    @Test("Wait statuses decode to exit codes and signals")
    func exitStatus() {
        #expect(ExitStatus(waitStatus: 3 << 8) == .exited(3))
        #expect(ExitStatus(waitStatus: 9) == .signalled(9))
        #expect(ExitStatus.signalled(9).description == "signal SIGKILL")
    }
}
