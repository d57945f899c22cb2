/// `<project>/<project>.bicep`: a project as an Azure Container App in the environment, signed
/// in with its own identity, pulling its image with the registry's, receiving exactly the
/// variables `apphost env --publish` shows.
struct ContainerAppModule {
    let project: ProjectResource
    let plan: PublishPlan

    static let apiVersion = "2025-01-01"

    var path: String { "\(project.name)/\(project.name).bicep" }

    /// The module's symbol in main.bicep.
    var symbol: String { BicepSyntax.identifier(project.name) }

    /// What main.bicep passes, besides `location`: each parameter with its source.
    var parameters: [BicepInterpolation.Parameter] {
        var result: [BicepInterpolation.Parameter] = []
        func add(_ parameter: BicepInterpolation.Parameter) {
            if !result.contains(parameter) { result.append(parameter) }
        }
        let environment = DeploymentNames.environmentModule
        for output in ["AZURE_CONTAINER_APPS_ENVIRONMENT_ID", "AZURE_CONTAINER_REGISTRY_ENDPOINT", "AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID"] {
            BicepInterpolation(DeploymentNames.output(output, of: environment)).parameters.forEach(add)
        }
        BicepInterpolation(DeploymentNames.output("id", of: DeploymentNames.identityModule(of: project))).parameters.forEach(add)
        for variable in variables { variable.interpolation.parameters.forEach(add) }
        for word in overriddenCommand ?? [] { word.parameters.forEach(add) }
        return result
    }

    /// Whether `azd deploy` builds the image (else the model names it with `image:`).
    var buildsImage: Bool {
        if case .image = project.container { return false }
        return true
    }

    private struct Variable {
        var name: String
        var interpolation: BicepInterpolation
        var secretName: String?
    }

    private var variables: [Variable] {
        let secrets = Set(plan.secretVariables(of: project))
        return plan.values.environment(for: project).map { variable in
            Variable(name: variable.name, interpolation: BicepInterpolation(variable.value),
                     secretName: secrets.contains(variable.name) ? Self.secretName(variable.name) : nil)
        }
    }

    /// A container app secret's name: lower case letters, digits and '-'.
    static func secretName(_ variable: String) -> String {
        String(variable.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    /// The command the container runs instead of the image's, when the model's needs deployed
    /// values (`node server.js --api {api.url}`) that a Dockerfile cannot hold.
    var overriddenCommand: [BicepInterpolation]? {
        guard case .generated = project.container, project.command.contains(where: { !$0.expressions.isEmpty }) else { return nil }
        return project.command.map { BicepInterpolation(plan.values.render($0).value) }
    }

    var contents: String {
        let app = symbol
        let identity = "\(BicepSyntax.identifier(DeploymentNames.identityModule(of: project)))_outputs_id"
        let registryIdentity = "env_outputs_azure_container_registry_managed_identity_id"
        var text = BicepSyntax.header("project '\(project.name)' as an Azure Container App.", model: plan.model)
        text += """

            @description('The location for the resource(s) to be deployed.')
            param location string = resourceGroup().location

            """
        for parameter in parameters {
            text += parameter.isSecure ? "\n@secure()\nparam \(parameter.name) string\n" : "\nparam \(parameter.name) string\n"
        }
        if buildsImage {
            text += """

                @description('The image azd deployed last (\(DeploymentNames.imageEnvironmentVariable(of: project))); empty until the first `azd deploy`.')
                param image string = ''

                """
        }
        text += """

            resource \(app) 'Microsoft.App/containerApps@\(Self.apiVersion)' = {
              name: '\(DeploymentNames.appName(of: project))'
              location: location
              identity: {
                type: 'UserAssigned'
                userAssignedIdentities: {
                  '${\(identity)}': {}
                  '${\(registryIdentity)}': {}
                }
              }
              properties: {
                environmentId: env_outputs_azure_container_apps_environment_id
                configuration: {
                  activeRevisionsMode: 'Single'
            \(ingress)      registries: [
                    {
                      server: env_outputs_azure_container_registry_endpoint
                      identity: \(registryIdentity)
                    }
                  ]
            \(secrets)    }
                template: {
                  containers: [
                    {
                      name: '\(DeploymentNames.appName(of: project))'
                      image: \(image)
            \(command)          env: [
            \(environment)          ]
            \(probes)        }
                  ]
                  scale: {
                    minReplicas: \(project.minReplicas)
                    maxReplicas: \(project.maxReplicas)
                  }
                }
              }
              tags: {
                'azd-service-name': \(BicepSyntax.string(project.name))
                'aspire-resource-name': \(BicepSyntax.string(project.name))
              }
            }

            output name string = \(app).name

            """
        if project.hasEndpoint {
            text += "output fqdn string = \(app).properties.configuration.ingress.fqdn\n"
        }
        return text
    }

    private var image: String {
        if case .image(let name) = project.container { return BicepSyntax.string(name) }
        return "empty(image) ? '\(DeploymentNames.placeholderImage)' : image"
    }

    /// External ingress on the project's port, HTTPS only; none for a project without a port.
    private var ingress: String {
        guard project.hasEndpoint else { return "" }
        return """
                  ingress: {
                    external: true
                    targetPort: \(DeploymentNames.targetPort(of: project))
                    transport: 'auto'
                    allowInsecure: false
                  }

            """
    }

    private var secrets: String {
        let secret = variables.filter { $0.secretName != nil }
        guard !secret.isEmpty else { return "" }
        var text = "      secrets: [\n"
        for variable in secret {
            text += "        {\n          name: '\(variable.secretName!)'\n          value: \(variable.interpolation.expression)\n        }\n"
        }
        return text + "      ]\n"
    }

    private var command: String {
        guard let words = overriddenCommand else { return "" }
        return "          // The model's command needs deployed values, so it is given here rather than in the image.\n"
            + "          command: [\n" + words.map { "            \($0.expression)\n" }.joined() + "          ]\n"
    }

    private var environment: String {
        variables.map { variable in
            let value = variable.secretName.map { "secretRef: '\($0)'" } ?? "value: \(variable.interpolation.expression)"
            return "            {\n              name: \(BicepSyntax.string(variable.name))\n              \(value)\n            }\n"
        }.joined()
    }

    /// The model's health check as a readiness probe, once the project's own image runs (the
    /// placeholder image before the first `azd deploy` does not answer it).
    private var probes: String {
        guard let path = project.healthCheck else { return "" }
        let probe = [
            "[",
            "            {",
            "              type: 'Readiness'",
            "              httpGet: {",
            "                path: \(BicepSyntax.string(path))",
            "                port: \(DeploymentNames.targetPort(of: project))",
            "              }",
            "            }",
            "          ]",
        ].joined(separator: "\n")
        let value = buildsImage ? "empty(image) ? [] : \(probe)" : probe
        return "          probes: \(value)\n"
    }
}
