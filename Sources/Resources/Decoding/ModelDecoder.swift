/// Turns the YAML of an apphost.yaml into an ``ApplicationModel``, collecting every problem.
///
/// The decoder checks shapes, types, keys and enum values, and expands `${VAR}` references;
/// relations between resources are checked afterwards by ``ModelValidator``.
struct ModelDecoder {
    /// The file's name, for locations.
    let file: String
    /// Expands `${VAR}` in values.
    let interpolator: Interpolator
    /// Problems found so far.
    var diagnostics: [Diagnostic] = []

    /// The top-level keys.
    static let topLevelKeys = ["name", "resources"]
    /// The resource types.
    static let resourceTypes = ["signalr", "project"]

    init(file: String, interpolator: Interpolator) {
        self.file = file
        self.interpolator = interpolator
    }

    /// Decodes the document; `defaultName` is used when the file has no `name:`.
    mutating func decode(_ root: YAMLNode?, defaultName: String) -> ApplicationModel? {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let root else {
            diagnostics.append(.error("the file is empty", at: start,
                                      hint: "an application model starts with 'resources:'; `apphost init` writes an example"))
            return nil
        }
        guard let pairs = mapping(root, what: "the application model") else { return nil }
        var name = defaultName
        var resources: [Resource] = []
        var sawResources = false
        for pair in pairs {
            switch pair.key {
            case "name":
                if let text = string(pair.value, key: "name") { name = text }
            case "resources":
                sawResources = true
                resources = decodeResources(pair.value)
            default:
                if pair.key.hasPrefix("x-") { continue }  // extension fields, as in docker compose: anchors live here
                unknownKey(pair, allowed: Self.topLevelKeys, in: "at the top level",
                           hint: "top-level keys are 'name' and 'resources'; put shared settings under an 'x-' key")
            }
        }
        if !sawResources {
            diagnostics.append(.error("the model has no 'resources:'", at: root.location,
                                      hint: "declare at least one resource: resources: { signalr: { type: signalr } }"))
        }
        return ApplicationModel(name: name, file: file, resources: resources)
    }

    private mutating func decodeResources(_ node: YAMLNode) -> [Resource] {
        if node.scalar?.kind == .null { return [] }
        guard let pairs = mapping(node, what: "'resources'") else { return [] }
        var resources: [Resource] = []
        for pair in pairs {
            guard let fields = mapping(pair.value, what: "resource '\(pair.key)'",
                                       hint: "each resource is a mapping with at least 'type: signalr' or 'type: project'") else { continue }
            guard let typePair = fields.first(where: { $0.key == "type" }) else {
                diagnostics.append(.error("resource '\(pair.key)' has no 'type'", at: pair.keyLocation,
                                          hint: "add 'type: signalr' or 'type: project'"))
                continue
            }
            guard let type = choice(typePair.value, key: "type", allowed: Self.resourceTypes) else { continue }
            switch type {
            case "signalr":
                if let resource = decodeSignalR(name: pair.key, at: pair.keyLocation, fields: fields) {
                    resources.append(.signalR(resource))
                }
            default:
                if let project = decodeProject(name: pair.key, at: pair.keyLocation, fields: fields) {
                    resources.append(.project(project))
                }
            }
        }
        return resources
    }

    // MARK: Reporting

    mutating func error(_ message: String, at location: SourceLocation, hint: String? = nil) {
        diagnostics.append(.error(message, at: location, hint: hint))
    }

    mutating func warning(_ message: String, at location: SourceLocation, hint: String? = nil) {
        diagnostics.append(.warning(message, at: location, hint: hint))
    }

    /// Reports a key that is not in `allowed`, suggesting the closest one.
    mutating func unknownKey(_ pair: YAMLPair, allowed: [String], in context: String, hint: String? = nil) {
        let suggestion = Suggestion.didYouMean(pair.key, in: allowed)
        let listed = allowed.map { "'\($0)'" }.joined(separator: ", ")
        error("unknown key '\(pair.key)' \(context)\(suggestion)", at: pair.keyLocation,
              hint: suggestion.isEmpty ? (hint ?? "allowed keys: \(listed)") : nil)
    }
}
