/// Replaces secrets (access keys) in log lines with `***`, so a connection string an app
/// prints does not put its key on the screen or in a log file.
struct Redactor: Sendable {
    private let secrets: [[UInt8]]

    /// A redactor for `secrets`; empty ones are ignored.
    init(secrets: [String]) {
        self.secrets = Set(secrets.filter { $0.count >= 4 }).map { Array($0.utf8) }
    }

    /// `line` with every secret masked; the same slice when it holds none.
    func redact(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard !secrets.isEmpty else { return line }
        var result = line
        for secret in secrets {
            guard let range = Self.firstRange(of: secret, in: result) else { continue }
            var masked: [UInt8] = []
            var rest = result[...]
            var found: Range<Int>? = range
            while let match = found {
                masked.append(contentsOf: rest[rest.startIndex..<match.lowerBound])
                masked.append(contentsOf: "***".utf8)
                rest = rest[match.upperBound...]
                found = Self.firstRange(of: secret, in: rest)
            }
            masked.append(contentsOf: rest)
            result = masked[...]
        }
        return result
    }

    private static func firstRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Range<Int>? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) {
                return candidate..<(candidate + needle.count)
            }
            index = candidate + 1
        }
        return nil
    }
}
