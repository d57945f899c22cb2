/// Cuts a Server-Sent Events stream into events, as bytes arrive in chunks of any size.
///
/// Follows the parts of the event-stream format the dashboard's stream uses and a reader must
/// not trip over: lines end in LF, CRLF or CR; `event:` names the event; `data:` lines are
/// joined with LF; one space after the colon is dropped; lines starting with `:` are comments;
/// a blank line ends an event; an event without data is not dispatched.
struct EventStreamParser: Sendable {
    /// One event: its name (`message` when the stream gave none) and its data.
    struct Event: Sendable, Equatable {
        var name: String
        var data: String
    }

    private var pending: [UInt8] = []
    private var name = ""
    private var data: [String] = []
    private var lastWasCarriageReturn = false

    /// The events completed by `bytes`.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            // A CR ends a line; an LF right after it belongs to the same line end.
            if byte == UInt8(ascii: "\n"), lastWasCarriageReturn {
                lastWasCarriageReturn = false
                continue
            }
            lastWasCarriageReturn = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = endLine() { events.append(event) }
            } else {
                pending.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> Event? {
        let line = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        if line.isEmpty {
            defer {
                name = ""
                data = []
            }
            return data.isEmpty ? nil : Event(name: name.isEmpty ? "message" : name, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring, value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            let rest = line[line.index(after: colon)...]
            value = rest.hasPrefix(" ") ? rest.dropFirst() : rest
        } else {
            field = line[...]
            value = ""
        }
        switch field {
        case "event": name = String(value)
        case "data": data.append(String(value))
        default: break
        }
        return nil
    }
}
