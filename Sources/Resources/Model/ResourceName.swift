/// The rules for resource names and the variable names derived from them.
public enum ResourceName {
    /// The longest name Azure accepts for a SignalR resource (and Aspire for any resource).
    public static let maximumLength = 63

    /// Why Azure would refuse `name`, or nil if it is acceptable.
    ///
    /// Names are letters, digits and single hyphens, start with a letter and end with a letter
    /// or digit; a SignalR resource's name has at least 3 characters (Azure's rule).
    public static func problem(with name: String, isSignalR: Bool) -> String? {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first else { return "a resource name cannot be empty" }
        if !scalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }) {
            return "resource name '\(name)' may contain only letters, digits and '-'"
        }
        if !first.isASCIILetter { return "resource name '\(name)' must start with a letter" }
        if scalars.last == "-" { return "resource name '\(name)' must end with a letter or digit" }
        if name.contains("--") { return "resource name '\(name)' cannot contain '--'" }
        if name.count > maximumLength { return "resource name '\(name)' is longer than \(maximumLength) characters" }
        if isSignalR, name.count < 3 { return "a SignalR resource name needs at least 3 characters ('\(name)' has \(name.count))" }
        return nil
    }

    /// The prefix of a resource's variables: upper-cased, with every character that is not a
    /// letter or digit turned into `_` (`chat-hub` → `CHAT_HUB`).
    public static func environmentPrefix(of name: String) -> String {
        String(String.UnicodeScalarView(name.uppercased().unicodeScalars.map {
            $0.isASCIILetter || $0.isASCIIDigit ? $0 : "_"
        }))
    }
}
