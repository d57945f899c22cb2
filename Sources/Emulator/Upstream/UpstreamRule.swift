import Foundation

/// One upstream template: where client events of matching hubs, categories and events go.
public struct UpstreamRule: Sendable, Equatable {
    /// The URL, with `{hub}`, `{category}` and `{event}` placeholders.
    public var urlTemplate: String
    /// `*`, a name, or a comma-separated list (hub names compare without case).
    public var hubPattern: String
    public var eventPattern: String
    public var categoryPattern: String
    /// For `auth: ManagedIdentity`: the resource (audience) of the bearer token sent with each
    /// call, obtained with the emulator's own managed identity; nil sends none.
    public var tokenResource: String?

    public init(urlTemplate: String, hubPattern: String = "*", eventPattern: String = "*", categoryPattern: String = "*",
                tokenResource: String? = nil) {
        self.urlTemplate = urlTemplate
        self.hubPattern = hubPattern
        self.eventPattern = eventPattern
        self.categoryPattern = categoryPattern
        self.tokenResource = tokenResource
    }

    /// The event categories.
    public enum Category: String, Sendable {
        case connections, messages
    }

    /// Whether the rule applies. With `explicitOnly`, `*` does not match the event: the
    /// blocking `connect` event is sent only where a template names it.
    public func matches(hub: String, category: Category, event: String, explicitOnly: Bool = false) -> Bool {
        Self.matches(hubPattern, hub, ignoringCase: true)
            && Self.matches(categoryPattern, category.rawValue, ignoringCase: false)
            && Self.matches(eventPattern, event, ignoringCase: false, wildcard: !explicitOnly)
    }

    static func matches(_ pattern: String, _ value: String, ignoringCase: Bool, wildcard: Bool = true) -> Bool {
        let names = pattern.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return names.contains { name in
            if name == "*" { return wildcard }
            return ignoringCase ? name.lowercased() == value.lowercased() : name == value
        }
    }

    /// The URL for an event, placeholders filled (and escaped for a path).
    public func url(hub: String, category: Category, event: String) -> String {
        func escaped(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? text
        }
        return urlTemplate.replacingOccurrences(of: "{hub}", with: escaped(hub))
            .replacingOccurrences(of: "{category}", with: category.rawValue)
            .replacingOccurrences(of: "{event}", with: escaped(event))
    }

    /// The first rule of `rules` that applies.
    public static func firstMatch(in rules: [UpstreamRule], hub: String, category: Category, event: String, explicitOnly: Bool = false) -> UpstreamRule? {
        rules.first { $0.matches(hub: hub, category: category, event: event, explicitOnly: explicitOnly) }
    }
}
