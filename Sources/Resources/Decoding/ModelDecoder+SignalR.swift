/// Decoding of `type: signalr` resources.
extension ModelDecoder {
    /// The keys of a SignalR resource.
    static let signalRKeys = ["type", "mode", "emulator", "endpoint", "port", "accessKey", "authType", "clientId",
                              "sku", "capacity", "cors", "upstream", "shutdownTimeout"]
    /// The keys of an upstream template.
    static let upstreamKeys = ["urlTemplate", "hubPattern", "eventPattern", "categoryPattern", "auth"]

    mutating func decodeSignalR(name: String, at location: SourceLocation, fields: [YAMLPair]) -> SignalRResource? {
        var resource = SignalRResource(name: name, location: location)
        var authName: String?
        var clientID: String?
        for pair in fields {
            let value = pair.value
            resource.keyLocations[pair.key] = value.location
            switch pair.key {
            case "type":
                continue
            case "mode":
                if let mode = choice(value, key: "mode", allowed: ServiceMode.allCases.map(\.rawValue)) {
                    resource.mode = ServiceMode(rawValue: mode)!
                }
            case "emulator":
                if let emulator = boolean(value, key: "emulator") { resource.emulator = emulator }
            case "endpoint":
                resource.endpoint = string(value, key: "endpoint")
            case "port":
                resource.port = integer(value, key: "port", in: 0...65535, meaning: "a TCP port, 0 for a free one")
            case "accessKey":
                resource.accessKey = string(value, key: "accessKey")
            case "authType":
                authName = choice(value, key: "authType", allowed: CloudAuthentication.names)
            case "clientId":
                clientID = string(value, key: "clientId")
            case "sku":
                if let sku = choice(value, key: "sku", allowed: SignalRSKU.allCases.map(\.rawValue)) {
                    resource.sku = SignalRSKU(rawValue: sku)!
                }
            case "capacity":
                resource.capacity = integer(value, key: "capacity", in: 1...1000, meaning: "a number of units")
            case "cors":
                resource.corsAllowedOrigins = decodeCORS(value)
            case "upstream":
                resource.upstream = decodeUpstream(value)
            case "shutdownTimeout":
                resource.shutdownTimeout = duration(value, key: "shutdownTimeout") ?? resource.shutdownTimeout
            default:
                unknownSetting(pair, of: "SignalR resource '\(name)'", allowed: Self.signalRKeys, otherType: ("project", Self.projectKeys))
            }
        }
        switch authName {
        case "azure": resource.authType = .azure
        case "azure.msi": resource.authType = .managedIdentity(clientID: clientID)
        case "accessKey": resource.authType = .accessKey
        default: break
        }
        if clientID != nil, authName != "azure.msi" {
            error("'clientId' selects a user-assigned managed identity and needs 'authType: azure.msi'",
                  at: resource.location(of: "clientId"), hint: "add 'authType: azure.msi', or remove 'clientId'")
        }
        return resource
    }

    /// Reports an unknown key, pointing out when it belongs to the other resource type.
    mutating func unknownSetting(_ pair: YAMLPair, of owner: String, allowed: [String], otherType: (name: String, keys: [String])) {
        if otherType.keys.contains(pair.key) {
            error("'\(pair.key)' is a setting of \(otherType.name) resources, not of \(owner)", at: pair.keyLocation,
                  hint: "allowed keys here: \(allowed.map { "'\($0)'" }.joined(separator: ", "))")
        } else {
            unknownKey(pair, allowed: allowed, in: "in \(owner)")
        }
    }

    private mutating func decodeCORS(_ node: YAMLNode) -> [String]? {
        guard let pairs = mapping(node, what: "'cors'", hint: "write cors: { allowedOrigins: ['https://example.com'] }") else { return nil }
        var origins: [String]?
        for pair in pairs {
            if pair.key == "allowedOrigins" {
                origins = strings(pair.value, key: "allowedOrigins")?.map(\.value)
            } else {
                unknownKey(pair, allowed: ["allowedOrigins"], in: "in 'cors'")
            }
        }
        return origins
    }

    private mutating func decodeUpstream(_ node: YAMLNode) -> [UpstreamTemplate] {
        guard let elements = list(node, key: "upstream") else { return [] }
        var templates: [UpstreamTemplate] = []
        for element in elements {
            // A bare string is a template that matches everything.
            if element.scalar != nil {
                if let url = template(element, key: "upstream[]") {
                    templates.append(UpstreamTemplate(urlTemplate: url, location: element.location))
                }
                continue
            }
            guard let pairs = mapping(element, what: "an upstream template",
                                      hint: "write - urlTemplate: \"{api.url}/runtime/webhooks/signalr\"") else { continue }
            guard let urlPair = pairs.first(where: { $0.key == "urlTemplate" }) else {
                error("an upstream template needs 'urlTemplate'", at: element.location,
                      hint: "the URL the service posts client events to, e.g. \"{api.url}/api/upstream/{event}\"")
                continue
            }
            guard let url = template(urlPair.value, key: "urlTemplate") else { continue }
            var upstream = UpstreamTemplate(urlTemplate: url, location: element.location)
            for pair in pairs {
                switch pair.key {
                case "urlTemplate": continue
                case "hubPattern": upstream.hubPattern = pattern(pair.value, key: pair.key) ?? "*"
                case "eventPattern": upstream.eventPattern = pattern(pair.value, key: pair.key) ?? "*"
                case "categoryPattern": upstream.categoryPattern = pattern(pair.value, key: pair.key) ?? "*"
                case "auth": upstream.auth = decodeUpstreamAuth(pair.value) ?? .none
                default: unknownKey(pair, allowed: Self.upstreamKeys, in: "in an upstream template")
                }
            }
            templates.append(upstream)
        }
        return templates
    }

    /// `auth: { type: ManagedIdentity, resource: api://chat }` or `auth: { type: None }`.
    private mutating func decodeUpstreamAuth(_ node: YAMLNode) -> UpstreamAuthentication? {
        guard let pairs = mapping(node, what: "'auth'", hint: "write auth: { type: ManagedIdentity, resource: \"api://my-app\" }") else { return nil }
        var type: String?
        var resource: Located<String>?
        for pair in pairs {
            switch pair.key {
            case "type": type = choice(pair.value, key: "auth.type", allowed: UpstreamAuthentication.typeNames)
            case "resource": resource = string(pair.value, key: "auth.resource").map { Located($0, at: pair.value.location) }
            default: unknownKey(pair, allowed: ["type", "resource"], in: "in an upstream 'auth'")
            }
        }
        switch type {
        case "ManagedIdentity":
            guard let resource, !resource.value.trimmingSpaces().isEmpty else {
                error("an upstream 'auth' of type ManagedIdentity needs 'resource'", at: node.location,
                      hint: "the audience of the token the upstream app verifies: its application id URI (api://…) or client id")
                return nil
            }
            return .managedIdentity(resource: resource.value)
        case "None":
            if let resource { error("'resource' applies to auth type ManagedIdentity", at: resource.location, hint: "remove it, or write type: ManagedIdentity") }
            return UpstreamAuthentication.none
        default:
            if type == nil, !pairs.contains(where: { $0.key == "type" }) {
                error("an upstream 'auth' needs 'type'", at: node.location, hint: "type: ManagedIdentity (or None)")
            }
            return nil
        }
    }

    /// `*`, a name, or a comma-separated list of names.
    private mutating func pattern(_ node: YAMLNode, key: String) -> String? {
        guard let text = string(node, key: key) else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        if text == "*" || (!parts.isEmpty && parts.allSatisfy { !$0.isEmpty && !$0.contains("*") && !$0.contains(" ") }) {
            return parts.joined(separator: ",")
        }
        error("'\(key)' must be '*', a name, or names separated by commas, not '\(text)'", at: node.location,
              hint: "for example \"*\", \"chat\" or \"connected,disconnected\"")
        return nil
    }
}
