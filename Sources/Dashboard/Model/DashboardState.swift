import Foundation
import Synchronization

/// What the dashboard knows: every resource and the recent lines of each, kept up to date by
/// `apphost run` and streamed to every open page.
///
/// Each resource keeps its newest ``linesKept`` lines. A page that reads too slowly loses old
/// updates rather than slowing the supervisor; it fetches the lists again when it reconnects.
public final class DashboardState: Sendable {
    /// A change, as pages hear it.
    public enum Update: Sendable, Equatable {
        /// A resource changed; here it is whole.
        case resource(DashboardResource)
        /// A resource wrote a line.
        case line(DashboardLogLine)
    }

    private struct Contents {
        var resources: [DashboardResource]
        var lines: [String: [DashboardLogLine]] = [:]
        var written: [String: Int] = [:]
        var subscribers: [UInt64: AsyncStream<Update>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
        var finished = false
        /// Tasks waiting for ``finish()`` (not subscribers: a subscriber is woken by every line).
        var finishWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    /// How many lines each resource keeps.
    public static let linesKept = 5000

    /// The application's name, for the page's title.
    public let applicationName: String
    private let contents: Mutex<Contents>

    /// The state of `resources`, in the order the page lists them.
    public init(applicationName: String, resources: [DashboardResource]) {
        self.applicationName = applicationName
        contents = Mutex(Contents(resources: resources))
    }

    /// Every resource, in order.
    public var resources: [DashboardResource] { contents.withLock { $0.resources } }

    /// Changes the resource called `name` (nothing happens for an unknown name) and tells the pages.
    public func update(_ name: String, _ change: (inout DashboardResource) -> Void) {
        contents.withLock { contents in
            guard let index = contents.resources.firstIndex(where: { $0.name == name }) else { return }
            change(&contents.resources[index])
            // Told under the lock, so every page hears changes in the order they happened.
            for subscriber in contents.subscribers.values { subscriber.yield(.resource(contents.resources[index])) }
        }
    }

    /// Records a line written by `name`'s process (or, `isLifecycle`, by apphost about it: a
    /// start, an exit) and tells the pages.
    public func append(_ name: String, text: String, isError: Bool, isLifecycle: Bool = false, time: Date = Date()) {
        append(name, lines: [text], isError: isError, isLifecycle: isLifecycle, time: time)
    }

    /// Records several lines `name`'s process wrote at once (one read of its output) and tells
    /// the pages: one lock, one lookup and one clock reading for all of them, which is what
    /// keeps a chatty process's rate close to the rate without a dashboard.
    public func append(_ name: String, lines texts: [String], isError: Bool, isLifecycle: Bool = false, time: Date = Date()) {
        guard !texts.isEmpty else { return }
        contents.withLock { contents in
            let first = contents.written[name, default: 0] + 1
            contents.written[name] = first + texts.count - 1
            let lines = texts.enumerated().map { offset, text in
                DashboardLogLine(resource: name, sequence: first + offset, time: time, isError: isError, isLifecycle: isLifecycle, text: text)
            }
            // Trimmed in batches, so appending stays cheap.
            contents.lines[name, default: []].append(contentsOf: lines)
            if let count = contents.lines[name]?.count, count > Self.linesKept + Self.linesKept / 4 {
                contents.lines[name]?.removeFirst(count - Self.linesKept)
            }
            guard !contents.subscribers.isEmpty else { return }
            for line in lines {
                for subscriber in contents.subscribers.values { subscriber.yield(.line(line)) }
            }
        }
    }

    /// The kept lines of `name` after `sequence` (at most ``linesKept``); nil for an unknown resource.
    public func lines(of name: String, after sequence: Int = 0) -> [DashboardLogLine]? {
        contents.withLock { contents in
            guard contents.resources.contains(where: { $0.name == name }) else { return nil }
            return (contents.lines[name] ?? []).filter { $0.sequence > sequence }.suffix(Self.linesKept)
        }
    }

    /// Every change from now on; ends when the subscriber stops listening or at ``finish()``.
    /// A subscriber that falls more than `buffered` changes behind loses the oldest.
    public func subscribe(buffered: Int = 10_000) -> AsyncStream<Update> {
        let (stream, continuation) = AsyncStream<Update>.makeStream(bufferingPolicy: .bufferingNewest(buffered))
        let id = contents.withLock { contents -> UInt64? in
            guard !contents.finished else { return nil }
            contents.nextSubscriber += 1
            contents.subscribers[contents.nextSubscriber] = continuation
            return contents.nextSubscriber
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.contents.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Returns at ``finish()`` (at once if it has been called), or when the task is cancelled.
    /// It waits on a continuation of its own, so the lines of a busy run cost it nothing.
    public func waitUntilFinished() async {
        let id = contents.withLock { contents in
            contents.nextSubscriber += 1
            return contents.nextSubscriber
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = contents.withLock { contents in
                    if contents.finished || Task.isCancelled { return true }
                    contents.finishWaiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = contents.withLock { $0.finishWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Ends every subscription, and those made later, so that pages' streams close at shutdown.
    public func finish() {
        let (subscribers, waiters) = contents.withLock { contents in
            contents.finished = true
            defer {
                contents.subscribers.removeAll()
                contents.finishWaiters.removeAll()
            }
            return (Array(contents.subscribers.values), Array(contents.finishWaiters.values))
        }
        for subscriber in subscribers { subscriber.finish() }
        for waiter in waiters { waiter.resume() }
    }
}
