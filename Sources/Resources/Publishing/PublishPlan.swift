import Foundation

/// What a deployment of the model consists of: which SignalR resources are created or only
/// referenced, and which project values their upstream URLs need as parameters.
struct PublishPlan {
    /// The API version of `Microsoft.SignalRService/signalR` that Aspire writes.
    static let signalRAPIVersion = "2024-03-01"
    /// The resource type with its API version, as Bicep writes it.
    static let signalRType = "Microsoft.SignalRService/signalR@\(signalRAPIVersion)"

    /// A value of a project that a SignalR module needs (an upstream URL): a parameter of the
    /// module, passed through main.bicep, filled by azd from an environment variable.
    struct ProjectParameter: Equatable {
        /// The expression in the model (`{api.url}`).
        var expression: ValueExpression
        /// The Bicep parameter (`apiUrl`).
        var name: String
        /// The azd environment variable that fills it (`API_URL`).
        var environmentVariable: String
        /// The manifest expression for the value (`{api.bindings.http.url}`).
        var manifestValue: String

        static func == (lhs: ProjectParameter, rhs: ProjectParameter) -> Bool { lhs.name == rhs.name }
    }

    let model: ApplicationModel

    /// The project parameters of one SignalR resource, each once, in order of appearance.
    func parameters(of resource: SignalRResource) -> [ProjectParameter] {
        guard resource.mode == .serverless else { return [] }
        var result: [ProjectParameter] = []
        for expression in resource.upstream.flatMap(\.urlTemplate.expressions) {
            guard case .project(let project)? = model.resource(named: expression.resource),
                  let value = PublishedValues(model: model).value(of: expression) else { continue }
            let suffix = expression.property.prefix(1).uppercased() + expression.property.dropFirst()
            let parameter = ProjectParameter(
                expression: expression,
                name: BicepSyntax.parameterName(project.name, suffix),
                environmentVariable: ResourceName.environmentPrefix(of: project.name) + "_" + expression.property.uppercased(),
                manifestValue: value.value)
            if !result.contains(parameter) { result.append(parameter) }
        }
        return result
    }

    /// Every project parameter of the model, each once.
    var allParameters: [ProjectParameter] {
        var result: [ProjectParameter] = []
        for resource in model.signalRResources {
            for parameter in parameters(of: resource) where !result.contains(parameter) { result.append(parameter) }
        }
        return result
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
