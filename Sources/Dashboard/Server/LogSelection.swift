/// Whose lines an event stream carries: the `logs` query parameter, which names one resource,
/// several separated by commas, or `*` for every one. Without it a stream carries no lines.
struct LogSelection: Sendable, Equatable {
    private let names: Set<String>
    private let everyone: Bool

    /// The selection `parameter` describes (nil: none).
    init(_ parameter: String?) {
        let names = (parameter ?? "").split(separator: ",").map { String($0) }
        everyone = names.contains("*")
        self.names = Set(names)
    }

    /// Whether lines of `resource` belong in the stream.
    func contains(_ resource: String) -> Bool {
        everyone || names.contains(resource)
    }
}
