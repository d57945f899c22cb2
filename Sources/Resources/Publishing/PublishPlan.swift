import Access

/// What a deployment of the model consists of: which SignalR resources are created or only
/// referenced, where their upstreams point, and what each project needs to become a container app.
struct PublishPlan {
    /// The API version of `Microsoft.SignalRService/signalR` that Aspire writes.
    static let signalRAPIVersion = "2024-03-01"
    /// The resource type with its API version, as Bicep writes it.
    static let signalRType = "Microsoft.SignalRService/signalR@\(signalRAPIVersion)"

    let model: ApplicationModel
    /// Where things are on disk, as the command line found them.
    let layout: PublishLayout

    /// The values every project receives once deployed.
    var values: PublishedValues { PublishedValues(model: model) }

    /// An upstream URL template with its project values replaced by the projects' addresses
    /// (their external ingress: the service calls them from outside the environment).
    func upstreamURL(_ template: UpstreamTemplate) -> BicepInterpolation {
        let text = template.urlTemplate.segments.map { segment -> String in
            switch segment {
            case .text(let literal):
                return literal
            case .expression(let expression):
                if case .project(let project)? = model.resource(named: expression.resource) {
                    switch ValueProperty(rawValue: expression.property) {
                    case .url?: return values.url(of: project)
                    case .host?: return values.host(of: project)
                    case .port?: return "443"
                    default: break
                    }
                }
                return values.value(of: expression)?.value ?? "{\(expression.resource).\(expression.property)}"
            }
        }.joined()
        return BicepInterpolation(text)
    }

    /// The module parameters of `resource`'s upstream URLs, each once.
    func upstreamParameters(of resource: SignalRResource) -> [BicepInterpolation.Parameter] {
        guard resource.emulator, resource.mode == .serverless else { return [] }
        var result: [BicepInterpolation.Parameter] = []
        for parameter in resource.upstream.flatMap({ upstreamURL($0).parameters }) where !result.contains(parameter) {
            result.append(parameter)
        }
        return result
    }

    /// Each SignalR resource `project` references, with the roles it holds there.
    func roles(of project: ProjectResource) -> [(resource: SignalRResource, roles: [SignalRRole])] {
        project.references.compactMap { reference in
            guard case .signalR(let resource)? = model.resource(named: reference.resource) else { return nil }
            return (resource, reference.effectiveRoles(on: resource))
        }
    }

    /// The secret variables of `project`'s own `env:`, which become secure parameters.
    func secretVariables(of project: ProjectResource) -> [String] {
        project.environment.map(\.name).filter(EnvironmentVariable.nameSuggestsSecret)
    }

    /// The name of an existing cloud resource: the first label of its endpoint's host.
    static func existingName(of resource: SignalRResource) -> String {
        let endpoint = resource.endpoint ?? ""
        let afterScheme = endpoint.components(separatedBy: "://").last ?? endpoint
        return String(afterScheme.prefix { $0 != "." && $0 != "/" && $0 != ":" })
    }

    /// The parameter of main.bicep naming the resource group of an existing resource.
    static func resourceGroupParameter(of resource: SignalRResource) -> String {
        BicepSyntax.parameterName(resource.name, "ResourceGroup")
    }
}
