import Foundation

/// Checks the relations inside a decoded model: names, references, expressions, ports, cycles,
/// and settings that contradict each other.
struct ModelValidator {
    let model: ApplicationModel
    var diagnostics: [Diagnostic] = []

    init(model: ApplicationModel) {
        self.model = model
    }

    /// Runs every check and returns what it found.
    mutating func validate() -> [Diagnostic] {
        checkNames()
        for resource in model.resources {
            switch resource {
            case .signalR(let signalR): check(signalR)
            case .project(let project): check(project)
            }
        }
        checkPorts()
        checkCycles()
        return diagnostics
    }

    private mutating func error(_ message: String, at location: SourceLocation, hint: String? = nil) {
        diagnostics.append(.error(message, at: location, hint: hint))
    }

    private mutating func warning(_ message: String, at location: SourceLocation, hint: String? = nil) {
        diagnostics.append(.warning(message, at: location, hint: hint))
    }

    // MARK: Names

    private mutating func checkNames() {
        var byPrefix: [String: Resource] = [:]
        for resource in model.resources {
            let isSignalR = if case .signalR = resource { true } else { false }
            if let problem = ResourceName.problem(with: resource.name, isSignalR: isSignalR) {
                error(problem, at: resource.location,
                      hint: "Azure and Aspire accept letters, digits and single '-', starting with a letter (e.g. 'chat-api')")
                continue
            }
            let prefix = ResourceName.environmentPrefix(of: resource.name)
            if let other = byPrefix[prefix] {
                error("resource names '\(other.name)' and '\(resource.name)' differ only in case; both would give \(prefix)_* variables",
                      at: resource.location, hint: "rename one of them")
            } else {
                byPrefix[prefix] = resource
            }
        }
    }

    // MARK: SignalR

    private mutating func check(_ resource: SignalRResource) {
        let name = resource.name
        if resource.mode == .default, !resource.upstream.isEmpty {
            error("'upstream' is a Serverless-mode feature, but '\(name)' is in Default mode", at: resource.location(of: "upstream"),
                  hint: "set 'mode: Serverless', or remove 'upstream' (in Default mode a hub server receives client messages)")
        }
        if resource.emulator {
            if resource.keyLocations["endpoint"] != nil {
                warning("'endpoint' is ignored while '\(name)' is emulated", at: resource.location(of: "endpoint"),
                        hint: "set 'emulator: false' to use the cloud resource at this endpoint")
            }
        } else {
            if let endpoint = resource.endpoint {
                checkEndpoint(endpoint, of: resource)
            } else {
                error("'\(name)' has 'emulator: false' but no 'endpoint'", at: resource.location(of: "emulator"),
                      hint: "add 'endpoint: https://<name>.service.signalr.net' (the Azure resource to use), or set 'emulator: true'")
            }
            if resource.keyLocations["port"] != nil {
                warning("'port' applies to the local emulator and is ignored while 'emulator' is false", at: resource.location(of: "port"))
            }
        }
        if let capacity = resource.capacity, !resource.sku.allowedCapacities.contains(capacity) {
            error("capacity \(capacity) is not available for sku \(resource.sku.rawValue)", at: resource.location(of: "capacity"),
                  hint: "\(resource.sku.rawValue) allows \(resource.sku.allowedCapacitiesDescription)")
        }
        for template in resource.upstream {
            checkExpressions(in: template.urlTemplate, owner: name)
            for expression in template.urlTemplate.expressions {
                if case .signalR? = model.resource(named: expression.resource) {
                    error("an upstream URL can name projects only; '\(expression.resource)' is a SignalR resource", at: expression.location,
                          hint: "upstream URLs point at the app that handles client events, e.g. {api.url}")
                }
            }
            let sample = template.urlTemplate.rendered { _ in "http://localhost" }
            if !(sample.hasPrefix("http://") || sample.hasPrefix("https://")) {
                error("upstream URL '\(template.urlTemplate)' must start with http:// or https:// (or an expression such as {api.url})",
                      at: template.location)
            }
        }
    }

    private mutating func checkEndpoint(_ endpoint: String, of resource: SignalRResource) {
        let components = URLComponents(string: endpoint)
        let valid = components.map { ($0.scheme == "https" || $0.scheme == "http") && !($0.host ?? "").isEmpty
            && ($0.path.isEmpty || $0.path == "/") && $0.query == nil } ?? false
        if !valid {
            error("'\(endpoint)' is not a SignalR endpoint URL", at: resource.location(of: "endpoint"),
                  hint: "write the service's URL without a path, e.g. https://\(resource.name).service.signalr.net")
        }
    }

    // MARK: Projects

    private mutating func check(_ project: ProjectResource) {
        var referenced = Set<String>()
        for reference in project.references {
            guard let target = known(reference.resource, from: project, at: reference.location, relation: "references") else { continue }
            if !referenced.insert(target.name).inserted {
                warning("'\(project.name)' references '\(target.name)' more than once", at: reference.location)
            }
            switch target {
            case .project(let other):
                if !other.hasEndpoint {
                    error("'\(project.name)' references project '\(other.name)', which has no endpoint", at: reference.location,
                          hint: "give '\(other.name)' a 'port' (0 for a free one), or use 'waitFor' to only order their start")
                }
                if reference.connectionStringEnv != nil {
                    error("'connectionStringEnv' applies to SignalR resources; '\(other.name)' is a project", at: reference.location)
                }
                if let roles = reference.roles {
                    error("'roles' are roles on a SignalR resource; '\(other.name)' is a project", at: roles.location,
                          hint: "remove 'roles' from this reference")
                }
            case .signalR:
                break
            }
        }
        for dependency in project.waitFor {
            _ = known(dependency.value, from: project, at: dependency.location, relation: "waits for")
        }
        if let healthCheck = project.healthCheck {
            if !project.hasEndpoint {
                error("'healthCheck' needs an HTTP endpoint, but '\(project.name)' has no 'port'", at: project.location(of: "healthCheck"),
                      hint: "add 'port: 0' (a free port, passed in \(project.portEnv)) or a fixed port")
            }
            if !healthCheck.hasPrefix("/") {
                error("'healthCheck' must be a path starting with '/', not '\(healthCheck)'", at: project.location(of: "healthCheck"),
                      hint: "for example /health")
            }
        }
        if project.keyLocations["portEnv"] != nil, !project.hasEndpoint {
            warning("'portEnv' has no effect without 'port'", at: project.location(of: "portEnv"))
        }
        if project.keyLocations["image"] != nil, project.keyLocations["dockerfile"] != nil {
            error("'\(project.name)' has both 'image' and 'dockerfile'", at: project.location(of: "dockerfile"),
                  hint: "keep 'image' to deploy an image as is, or 'dockerfile' to build one")
        }
        if project.minReplicas > project.maxReplicas {
            error("'minReplicas' (\(project.minReplicas)) is more than 'maxReplicas' (\(project.maxReplicas))",
                  at: project.location(of: "minReplicas"), hint: "make minReplicas at most maxReplicas")
        }
        for word in project.command { checkExpressions(in: word, owner: project.name) }
        let injected = Set(PublishedValues(model: model).injectedNames(for: project))
        for entry in project.environment {
            checkExpressions(in: entry.value, owner: project.name)
            if injected.contains(entry.name) {
                warning("env '\(entry.name)' replaces the value apphost injects", at: entry.location,
                        hint: "remove it from 'env' to receive the injected value")
            }
        }
    }

    /// The resource called `name`, or nil after reporting an unknown name or a self-reference.
    private mutating func known(_ name: String, from project: ProjectResource, at location: SourceLocation, relation: String) -> Resource? {
        if name == project.name {
            error("'\(project.name)' \(relation) itself", at: location)
            return nil
        }
        guard let resource = model.resource(named: name) else {
            error("'\(project.name)' \(relation) '\(name)', which is not a resource in this file\(Suggestion.didYouMean(name, in: model.resources.map(\.name)))",
                  at: location, hint: "resources: \(model.resources.map { "'\($0.name)'" }.joined(separator: ", "))")
            return nil
        }
        return resource
    }

    // MARK: Expressions

    private mutating func checkExpressions(in template: TemplateString, owner: String) {
        for expression in template.expressions {
            let text = "{\(expression.resource).\(expression.property)}"
            guard let resource = model.resource(named: expression.resource) else {
                error("'\(text)' names '\(expression.resource)', which is not a resource in this file\(Suggestion.didYouMean(expression.resource, in: model.resources.map(\.name)))",
                      at: expression.location)
                continue
            }
            let allowed: [ValueProperty]
            switch resource {
            case .signalR: allowed = ValueProperty.allCases
            case .project(let project):
                guard project.hasEndpoint else {
                    error("'\(text)': project '\(project.name)' has no endpoint", at: expression.location,
                          hint: "give '\(project.name)' a 'port' (0 for a free one)")
                    continue
                }
                allowed = [.url, .host, .port]
            }
            if !allowed.contains(where: { $0.rawValue == expression.property }) {
                let names = allowed.map(\.rawValue)
                error("'\(text)': a \(resource.typeName) resource has no property '\(expression.property)'\(Suggestion.didYouMean(expression.property, in: names))",
                      at: expression.location, hint: "properties: \(names.joined(separator: ", "))")
            }
        }
    }

    // MARK: Ports and cycles

    private mutating func checkPorts() {
        var owners: [Int: (resource: String, location: SourceLocation)] = [:]
        for fixed in model.fixedPorts {
            if let first = owners[fixed.port] {
                error("port \(fixed.port) is already used by '\(first.resource)' (line \(first.location.line))", at: fixed.location,
                      hint: "give '\(fixed.resource)' another port, or 0 for a free one")
            } else {
                owners[fixed.port] = (fixed.resource, fixed.location)
            }
        }
    }

    private mutating func checkCycles() {
        for cycle in DependencyGraph(model).cycles() {
            guard let closing = cycle.last, let first = cycle.first else { continue }
            let start = model.resources.first { $0.dependencies.contains(where: { $0.location == first.location }) }?.name ?? closing.value
            let path = ([start] + cycle.map(\.value)).joined(separator: " → ")
            error("dependency cycle: \(path)", at: closing.location,
                  hint: "references and waitFor decide start order, so they cannot go round in a circle; remove one of them")
        }
    }
}
