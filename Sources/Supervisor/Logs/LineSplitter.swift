/// Cuts a byte stream into lines: newline-terminated (a `\r` before the newline dropped), and
/// no line longer than `maximumLength` bytes — a longer one comes out in pieces of that size.
/// Bytes after the last newline wait for the next chunk, or for ``flush(_:)``.
struct LineSplitter {
    /// The longest line emitted; longer lines are cut.
    let maximumLength: Int
    /// Bytes of a line whose end has not arrived.
    private(set) var partial: [UInt8] = []

    /// A splitter cutting lines at `maximumLength` bytes.
    init(maximumLength: Int = 16 << 10) {
        precondition(maximumLength > 0)
        self.maximumLength = maximumLength
    }

    /// Whether part of a line is waiting for its end.
    var hasPartialLine: Bool { !partial.isEmpty }

    /// Feeds `chunk`, calling `emit` with every line it completes, in order.
    mutating func feed(_ chunk: ArraySlice<UInt8>, emit: (ArraySlice<UInt8>) -> Void) {
        var start = chunk.startIndex
        while start < chunk.endIndex {
            guard let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                partial.append(contentsOf: chunk[start...])
                while partial.count >= maximumLength {
                    emit(partial[..<maximumLength])
                    partial.removeFirst(maximumLength)
                }
                return
            }
            if partial.isEmpty {
                emitCut(chunk[start..<newline], emit: emit)
            } else {
                partial.append(contentsOf: chunk[start..<newline])
                let line = partial
                partial.removeAll(keepingCapacity: true)
                emitCut(line[...], emit: emit)
            }
            start = newline + 1
        }
    }

    /// Emits the partial line as a line of its own (its end did not come in time, or the stream ended).
    mutating func flush(_ emit: (ArraySlice<UInt8>) -> Void) {
        guard !partial.isEmpty else { return }
        let line = partial
        partial.removeAll(keepingCapacity: true)
        emitCut(line[...], emit: emit)
    }

    private func emitCut(_ line: ArraySlice<UInt8>, emit: (ArraySlice<UInt8>) -> Void) {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        while line.count > maximumLength {
            emit(line.prefix(maximumLength))
            line = line.dropFirst(maximumLength)
        }
        emit(line)
    }
}
