/// A variable a project receives, with the parts of its value that are secret.
public struct EnvironmentVariable: Sendable, Equatable {
    /// The variable's name.
    public var name: String
    /// The full value.
    public var value: String
    /// Substrings of `value` that must not be shown (access keys).
    public var secrets: [String]

    /// Creates a variable.
    public init(name: String, value: String, secrets: [String] = []) {
        self.name = name
        self.value = value
        self.secrets = secrets.filter { !$0.isEmpty }
    }

    /// The text shown in place of a secret.
    public static let mask = "********"

    /// The value with every secret replaced by ``mask``.
    public var maskedValue: String {
        secrets.reduce(value) { $0.replacingAll($1, with: Self.mask) }
    }

    /// Whether any part of the value is secret.
    public var isSecret: Bool { !secrets.isEmpty }

    /// Whether a variable's name says it holds a secret (`API_KEY`, `DB_PASSWORD`, …), so a value
    /// the user wrote is masked too.
    static func nameSuggestsSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["KEY", "SECRET", "PASSWORD", "TOKEN", "CREDENTIAL"].contains { upper.contains($0) }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
