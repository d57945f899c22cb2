import Access

/// Decoding of `type: project` resources.
extension ModelDecoder {
    /// The keys of a project.
    static let projectKeys = ["type", "command", "args", "workingDirectory", "env", "envFile", "port", "portEnv", "healthCheck",
                              "references", "waitFor", "restart", "shutdownTimeout", "image", "dockerfile", "minReplicas", "maxReplicas", "telemetry"]

    mutating func decodeProject(name: String, at location: SourceLocation, fields: [YAMLPair]) -> ProjectResource? {
        var project = ProjectResource(name: name, location: location)
        var command: [TemplateString]?
        var arguments: [TemplateString] = []
        for pair in fields {
            let value = pair.value
            project.keyLocations[pair.key] = value.location
            switch pair.key {
            case "type":
                continue
            case "command":
                command = decodeCommand(value)
            case "args":
                arguments = strings(value, key: "args")?.map { TemplateString(parsing: $0.value, at: $0.location, exact: false) } ?? []
            case "workingDirectory":
                project.workingDirectory = string(value, key: "workingDirectory")
            case "env":
                project.environment = decodeEnvironment(value)
            case "envFile":
                // One file, or a list, as docker compose's env_file.
                project.envFiles = value.elements == nil
                    ? string(value, key: "envFile").map { [Located($0, at: value.location)] } ?? []
                    : strings(value, key: "envFile") ?? []
            case "port":
                project.port = integer(value, key: "port", in: 0...65535, meaning: "a TCP port, 0 for a free one")
            case "portEnv":
                if let variable = string(value, key: "portEnv"), checkVariableName(variable, at: value.location) {
                    project.portEnv = variable
                }
            case "healthCheck":
                project.healthCheck = string(value, key: "healthCheck")
            case "references":
                project.references = decodeReferences(value)
            case "waitFor":
                project.waitFor = strings(value, key: "waitFor") ?? []
            case "restart":
                if let policy = choice(value, key: "restart", allowed: RestartPolicy.allCases.map(\.rawValue)) {
                    project.restart = RestartPolicy(rawValue: policy)!
                }
            case "shutdownTimeout":
                project.shutdownTimeout = duration(value, key: "shutdownTimeout") ?? project.shutdownTimeout
            case "image":
                if let image = string(value, key: "image") { project.container = .image(image) }
            case "dockerfile":
                if let path = string(value, key: "dockerfile") { project.container = .dockerfile(path) }
            case "minReplicas":
                project.minReplicas = integer(value, key: "minReplicas", in: 0...1000, meaning: "a number of replicas") ?? project.minReplicas
            case "telemetry":
                if let telemetry = boolean(value, key: "telemetry") { project.telemetry = telemetry }
            case "maxReplicas":
                project.maxReplicas = integer(value, key: "maxReplicas", in: 1...1000, meaning: "a number of replicas") ?? project.maxReplicas
            default:
                unknownSetting(pair, of: "project '\(name)'", allowed: Self.projectKeys, otherType: ("signalr", Self.signalRKeys))
            }
        }
        if let command {
            project.command = command + arguments
        } else if !fields.contains(where: { $0.key == "command" }) {
            error("project '\(name)' has no 'command'", at: location,
                  hint: "add the command that starts it, e.g. command: python3 app.py")
        }
        return project
    }

    /// A command given as a string (split like a shell) or as a list of words.
    private mutating func decodeCommand(_ node: YAMLNode) -> [TemplateString]? {
        if node.elements != nil {
            guard let words = strings(node, key: "command") else { return nil }
            guard !words.isEmpty else {
                error("'command' is an empty list", at: node.location, hint: "the first word is the program to run")
                return nil
            }
            return words.map { TemplateString(parsing: $0.value, at: $0.location, exact: false) }
        }
        guard let text = string(node, key: "command") else { return nil }
        let words: [String]
        do {
            words = try ShellWords.split(text)
        } catch {
            let (start, exact) = textLocation(of: node)
            self.error("the command has an unclosed \(error.quote) quote", at: exact ? start.advanced(by: error.offset) : node.location,
                       hint: "close the quote, or give the command as a list of words")
            return nil
        }
        guard !words.isEmpty else {
            error("'command' is empty", at: node.location, hint: "give the program to run, e.g. command: python3 app.py")
            return nil
        }
        return words.map { TemplateString(parsing: $0, at: node.location, exact: false) }
    }

    private mutating func decodeEnvironment(_ node: YAMLNode) -> [EnvironmentEntry] {
        guard let pairs = mapping(node, what: "'env'", hint: "write env: { NAME: value }") else { return [] }
        var entries: [EnvironmentEntry] = []
        for pair in pairs {
            guard checkVariableName(pair.key, at: pair.keyLocation) else { continue }
            if pair.value.scalar?.kind == .null {
                // As in docker compose: a name without a value passes the apphost's own value on.
                if let inherited = interpolator.variables[pair.key] {
                    entries.append(EnvironmentEntry(name: pair.key, value: TemplateString(literal: inherited), location: pair.keyLocation))
                } else {
                    warning("'\(pair.key)' has no value and is not set in the environment, so it is not passed on",
                            at: pair.keyLocation, hint: "give it a value, or set it in the environment or .env")
                }
                continue
            }
            guard pair.value.scalar != nil else {
                error("the value of '\(pair.key)' must be a string, not \(pair.value.kindDescription)", at: pair.value.location,
                      hint: "quote it to pass text that looks like YAML")
                continue
            }
            if let value = template(pair.value, key: pair.key) {
                entries.append(EnvironmentEntry(name: pair.key, value: value, location: pair.keyLocation))
            }
        }
        return entries
    }

    /// Whether `name` can be an environment variable's name; reports it when not.
    private mutating func checkVariableName(_ name: String, at location: SourceLocation) -> Bool {
        if EnvironmentName.isValid(name) { return true }
        error("'\(name)' is not a valid environment variable name", at: location,
              hint: "use letters, digits and '_', not starting with a digit (e.g. PORT, HTTP_PORT)")
        return false
    }

    /// References in their short (`- signalr`) and long (`- resource: signalr`) forms.
    private mutating func decodeReferences(_ node: YAMLNode) -> [Reference] {
        guard let elements = list(node, key: "references") else { return [] }
        var references: [Reference] = []
        for element in elements {
            if element.scalar != nil {
                if let name = string(element, key: "references[]") {
                    references.append(Reference(resource: name, location: element.location))
                }
                continue
            }
            guard let pairs = mapping(element, what: "a reference",
                                      hint: "write - signalr, or - { resource: signalr, connectionStringEnv: AzureSignalRConnectionString }") else { continue }
            var resource: Located<String>?
            var variable: String?
            var roles: Located<[SignalRRole]>?
            for pair in pairs {
                switch pair.key {
                case "resource":
                    resource = string(pair.value, key: "resource").map { Located($0, at: pair.value.location) }
                case "connectionStringEnv":
                    if let name = string(pair.value, key: "connectionStringEnv"), checkVariableName(name, at: pair.value.location) {
                        variable = name
                    }
                case "roles":
                    roles = decodeRoles(pair.value).map { Located($0, at: pair.value.location) }
                default:
                    unknownKey(pair, allowed: ["resource", "connectionStringEnv", "roles"], in: "in a reference")
                }
            }
            guard let resource else {
                error("a reference needs 'resource'", at: element.location, hint: "name the resource: - resource: signalr")
                continue
            }
            var reference = Reference(resource: resource.value, connectionStringEnv: variable, location: resource.location)
            reference.roles = roles
            references.append(reference)
        }
        return references
    }

    /// A list of Azure's built-in SignalR roles, written `SignalRAppServer` or as Azure displays
    /// them (`SignalR App Server`), in any case.
    private mutating func decodeRoles(_ node: YAMLNode) -> [SignalRRole]? {
        guard let names = strings(node, key: "roles") else { return nil }
        let allowed = SignalRRole.allCases.map(\.rawValue)
        var roles: [SignalRRole] = []
        for name in names {
            let compact = name.value.replacingOccurrences(of: " ", with: "").lowercased()
            if let role = SignalRRole.allCases.first(where: { $0.rawValue.lowercased() == compact }) {
                if !roles.contains(role) { roles.append(role) }
                continue
            }
            error("'\(name.value)' is not a SignalR role\(Suggestion.didYouMean(name.value, in: allowed))", at: name.location,
                  hint: "the roles are \(allowed.map { "'\($0)'" }.joined(separator: ", "))")
        }
        return roles
    }
}
