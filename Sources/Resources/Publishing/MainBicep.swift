/// `main.bicep`: the subscription-scope entry point that azd and `az deployment sub create`
/// deploy. It creates the resource group and calls every module: the environment, each SignalR
/// resource with its roles, and each project's identity, roles and container app.
struct MainBicep {
    let plan: PublishPlan

    var contents: String {
        let model = plan.model
        var text = BicepSyntax.header("the deployment of every resource.", model: model)
        text += """
            // Deploy with `azd up` (azure.yaml beside apphost.yaml), or provision only with:
            //   az deployment sub create --location <region> --template-file main.bicep \\
            //     --parameters environmentName=<name> location=<region> principalId=<object id>

            targetScope = 'subscription'

            @minLength(1)
            @maxLength(64)
            @description('The name of the environment: the resource group is rg-<environmentName>.')
            param environmentName string

            @minLength(1)
            @description('The Azure region of every resource.')
            param location string

            @description('The principal that receives the SignalR roles (azd passes the signed-in user).')
            param principalId string

            @description('The kind of principal: User, Group or ServicePrincipal.')
            @allowed([
              'User'
              'Group'
              'ServicePrincipal'
            ])
            param principalType string = 'User'

            """
        for project in model.projects where ContainerAppModule(project: project, plan: plan).buildsImage {
            text += """

                @description(\(BicepSyntax.string("The image azd deployed last for project '\(project.name)' (\(DeploymentNames.imageEnvironmentVariable(of: project))).")))
                param \(DeploymentNames.imageParameter(of: project)) string = ''

                """
        }
        for project in model.projects {
            for variable in plan.secretVariables(of: project) {
                text += """

                    @secure()
                    @description(\(BicepSyntax.string("The value of \(variable) for project '\(project.name)' (`azd env set \(DeploymentNames.secretEnvironmentVariable(of: project, variable: variable)) …`).")))
                    param \(DeploymentNames.secretParameter(of: project, variable: variable)) string

                    """
            }
        }
        for resource in model.signalRResources where !resource.emulator {
            text += """

                @description(\(BicepSyntax.string("The resource group of the existing SignalR resource '\(resource.name)'.")))
                param \(PublishPlan.resourceGroupParameter(of: resource)) string = 'rg-${environmentName}'

                """
        }
        text += """

            var tags = {
              'azd-env-name': environmentName
            }

            resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
              name: 'rg-${environmentName}'
              location: location
              tags: tags
            }

            """
        if !model.projects.isEmpty {
            text += module(EnvironmentModule.name, path: EnvironmentModule(plan: plan).path, scope: "rg",
                           parameters: ["location: location", "tags: tags"])
        }
        for resource in model.signalRResources {
            text += signalRModules(for: resource)
        }
        for project in model.projects {
            text += projectModules(for: project)
        }
        text += "\noutput AZURE_RESOURCE_GROUP string = rg.name\n"
        if !model.projects.isEmpty {
            for output in EnvironmentModule.outputs {
                text += "output \(output) string = \(EnvironmentModule.name).outputs.\(output)\n"
            }
        }
        for resource in model.signalRResources {
            let prefix = ResourceName.environmentPrefix(of: resource.name)
            let symbol = BicepSyntax.identifier(resource.name)
            text += "output \(prefix)_HOSTNAME string = \(symbol).outputs.hostName\n"
            text += "output \(prefix)_URI string = 'https://${\(symbol).outputs.hostName}'\n"
        }
        for project in model.projects where project.hasEndpoint {
            let prefix = ResourceName.environmentPrefix(of: project.name)
            text += "output SERVICE_\(prefix)_URI string = 'https://${\(BicepSyntax.identifier(project.name)).outputs.fqdn}'\n"
        }
        return text
    }

    /// The scope of modules that act where `resource` is.
    private func scope(of resource: SignalRResource) -> String {
        resource.emulator ? "rg" : "resourceGroup(\(PublishPlan.resourceGroupParameter(of: resource)))"
    }

    private func signalRModules(for resource: SignalRResource) -> String {
        let symbol = BicepSyntax.identifier(resource.name)
        var parameters = resource.emulator ? ["location: location"] : []
        parameters += plan.upstreamParameters(of: resource).map { "\($0.name): \($0.source)" }
        let roles = RolesModule(resource: resource, grantee: .deployer, plan: plan)
        return module(resource.name, path: SignalRModule(resource: resource, plan: plan).path, scope: scope(of: resource),
                      parameters: parameters, dependsOn: resource.emulator ? [] : ["rg"])
            + module(roles.name, path: roles.path, scope: scope(of: resource), parameters: [
                "\(roles.nameParameter): \(symbol).outputs.name", "principalId: principalId", "principalType: principalType",
            ])
    }

    private func projectModules(for project: ProjectResource) -> String {
        let identity = IdentityModule(project: project, plan: plan)
        let identitySymbol = BicepSyntax.identifier(identity.name)
        var text = module(identity.name, path: identity.path, scope: "rg", parameters: ["location: location"])
        var roleModules: [String] = []
        for (resource, roles) in plan.roles(of: project) {
            let module = RolesModule(resource: resource, grantee: .project(project, roles: roles), plan: plan)
            roleModules.append(BicepSyntax.identifier(module.name))
            text += self.module(module.name, path: module.path, scope: scope(of: resource), parameters: [
                "\(module.nameParameter): \(BicepSyntax.identifier(resource.name)).outputs.name",
                "principalId: \(identitySymbol).outputs.principalId",
                "principalType: 'ServicePrincipal'",
            ])
        }
        let app = ContainerAppModule(project: project, plan: plan)
        var parameters = ["location: location"] + app.parameters.map { "\($0.name): \($0.source)" }
        if app.buildsImage { parameters.append("image: \(DeploymentNames.imageParameter(of: project))") }
        // The app starts once it holds its roles, so its first calls to SignalR are not refused.
        return text + module(project.name, path: app.path, scope: "rg", parameters: parameters, dependsOn: roleModules)
    }

    private func module(_ name: String, path: String, scope: String, parameters: [String], dependsOn: [String] = []) -> String {
        var text = "\nmodule \(BicepSyntax.identifier(name)) '\(path)' = {\n  name: '\(name)'\n  scope: \(scope)\n"
        if !parameters.isEmpty {
            text += "  params: {\n" + parameters.map { "    \($0)\n" }.joined() + "  }\n"
        }
        if !dependsOn.isEmpty {
            text += "  dependsOn: [\n" + dependsOn.map { "    \($0)\n" }.joined() + "  ]\n"
        }
        return text + "}\n"
    }
}
