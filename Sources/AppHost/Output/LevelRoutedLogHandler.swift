import Logging

/// A log handler that writes information to stdout and warnings and errors to stderr.
///
/// `apphost run` shows a process's stderr as `name ! line` and the dashboard paints it red, so a
/// process that logs everything to stderr looks as if it only ever failed. Routing by level
/// keeps `!` for what deserves attention.
struct LevelRoutedLogHandler: LogHandler {
    private var information: StreamLogHandler
    private var problems: StreamLogHandler

    /// A handler for `label`, at `level`.
    init(label: String, level: Logger.Level) {
        information = StreamLogHandler.standardOutput(label: label)
        problems = StreamLogHandler.standardError(label: label)
        information.logLevel = level
        problems.logLevel = level
    }

    /// The level below which messages are dropped, on both streams.
    var logLevel: Logger.Level {
        get { information.logLevel }
        set {
            information.logLevel = newValue
            problems.logLevel = newValue
        }
    }

    /// Metadata added to every message, on both streams.
    var metadata: Logger.Metadata {
        get { information.metadata }
        set {
            information.metadata = newValue
            problems.metadata = newValue
        }
    }

    /// One metadata value, on both streams.
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { information[metadataKey: key] }
        set {
            information[metadataKey: key] = newValue
            problems[metadataKey: key] = newValue
        }
    }

    /// Writes the message to stdout below `warning`, else to stderr.
    func log(event: LogEvent) {
        if event.level >= .warning {
            problems.log(event: event)
        } else {
            information.log(event: event)
        }
    }
}
