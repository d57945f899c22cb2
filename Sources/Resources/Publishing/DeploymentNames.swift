/// The names a deployment gives to what it creates, and the placeholders that stand for values
/// only Azure knows (a module's output, a secret's value) until the deployment runs.
///
/// Placeholders follow Aspire's manifest: `{module.outputs.Name}` is output `Name` of a Bicep
/// module, `{name.value}` the value of a secure parameter. ``BicepInterpolation`` turns text
/// holding them into Bicep.
enum DeploymentNames {
    /// The module of the Container Apps environment, the registry and the log workspace.
    static let environmentModule = "env"

    /// The port a project listens on in its container when the model leaves it free (`port: 0`):
    /// the one Aspire and ASP.NET Core give containers.
    static let defaultTargetPort = 8080

    /// The image a container app runs until `azd deploy` builds and pushes the project's own.
    static let placeholderImage = "mcr.microsoft.com/k8se/quickstart:latest"

    /// Azure's longest container app name.
    static let maximumAppNameLength = 32

    /// The container app of `project`: Azure wants lower case.
    static func appName(of project: ProjectResource) -> String { project.name.lowercased() }

    /// The module holding `project`'s user-assigned identity.
    static func identityModule(of project: ProjectResource) -> String { "\(project.name)-identity" }

    /// The module granting `project`'s identity its roles on `resource`.
    static func rolesModule(of project: ProjectResource, on resource: SignalRResource) -> String {
        "\(project.name)-roles-\(resource.name)"
    }

    /// The port `project` listens on inside its container.
    static func targetPort(of project: ProjectResource) -> Int {
        guard let port = project.port, port > 0 else { return defaultTargetPort }
        return port
    }

    /// The placeholder of output `name` of `module`.
    static func output(_ name: String, of module: String) -> String { "{\(module).outputs.\(name)}" }

    /// The environment's default domain, known once it exists.
    static var defaultDomain: String { output("AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN", of: environmentModule) }

    /// The client id of `project`'s identity.
    static func clientID(of project: ProjectResource) -> String { output("clientId", of: identityModule(of: project)) }

    /// The tenant the deployment runs in (`tenant().tenantId` in Bicep).
    static let tenantID = "{azure.tenantId}"

    /// The secure parameter carrying the value of `project`'s secret variable `variable`
    /// (`api`, `API_KEY` → `apiApiKey`).
    static func secretParameter(of project: ProjectResource, variable: String) -> String {
        BicepSyntax.parameterName(project.name + "-" + variable.lowercased(), "")
    }

    /// The azd environment variable that fills a secret parameter (`API_API_KEY`).
    static func secretEnvironmentVariable(of project: ProjectResource, variable: String) -> String {
        ResourceName.environmentPrefix(of: project.name) + "_" + variable
    }

    /// The parameter of main.bicep holding the image azd last deployed for `project`.
    static func imageParameter(of project: ProjectResource) -> String { BicepSyntax.parameterName(project.name, "Image") }

    /// The variable azd records after it deploys `project` (`SERVICE_API_IMAGE_NAME`).
    static func imageEnvironmentVariable(of project: ProjectResource) -> String {
        "SERVICE_\(ResourceName.environmentPrefix(of: project.name))_IMAGE_NAME"
    }
}
