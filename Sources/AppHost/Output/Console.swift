import Foundation
import Resources

/// Where apphost writes: data to stdout, messages to stderr.
///
/// Every call is one write(2) of whole lines, straight to the file descriptor: no C library
/// buffer holds output back when stdout is a pipe or a file, so `tee` and CI logs see each line
/// as it happens, and lines written from different tasks never interleave.
enum Console {
    /// Writes data to stdout, with a newline.
    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes a message to stderr, with a newline.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether stderr shows colours: a terminal, and `NO_COLOR` not set (https://no-color.org).
    static var stderrHasColor: Bool {
        isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Prints diagnostics to stderr, `error:` in red and `warning:` in yellow on a terminal.
    static func report(_ diagnostics: [Diagnostic]) {
        let color = stderrHasColor
        for diagnostic in diagnostics {
            var text = diagnostic.description
            if color {
                let label = "\(diagnostic.severity.rawValue):"
                let code = diagnostic.severity == .error ? "31" : "33"
                text = text.replacingOccurrences(of: label, with: "\u{1B}[1;\(code)m\(label)\u{1B}[0m", options: [], range: text.range(of: label))
            }
            error(text)
        }
    }
}
