/// `main.bicep`: the subscription-scope entry point that azd and `az deployment sub create`
/// deploy. It creates the resource group and calls every module.
struct MainBicep {
    let plan: PublishPlan

    var contents: String {
        let model = plan.model
        var text = BicepSyntax.header("the deployment of every resource.", model: model)
        text += """
            // Deploy with `azd provision`, or:
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
        for parameter in plan.allParameters {
            text += """

                // Project '\(parameter.expression.resource)' is deployed separately; azd fills this from \(parameter.environmentVariable)
                // (`azd env set \(parameter.environmentVariable) https://…`).
                @description(\(BicepSyntax.string("The URL of project '\(parameter.expression.resource)' once deployed.")))
                param \(parameter.name) string

                """
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
        for resource in model.signalRResources {
            text += modules(for: resource)
        }
        text += "\noutput AZURE_RESOURCE_GROUP string = rg.name\n"
        for resource in model.signalRResources {
            let prefix = ResourceName.environmentPrefix(of: resource.name)
            let symbol = BicepSyntax.identifier(resource.name)
            text += "output \(prefix)_HOSTNAME string = \(symbol).outputs.hostName\n"
            text += "output \(prefix)_URI string = 'https://${\(symbol).outputs.hostName}'\n"
        }
        return text
    }

    private func modules(for resource: SignalRResource) -> String {
        let symbol = BicepSyntax.identifier(resource.name)
        let module = SignalRModule(resource: resource, plan: plan)
        let roles = RolesModule(resource: resource, plan: plan)
        let scope = resource.emulator ? "rg" : "resourceGroup(\(PublishPlan.resourceGroupParameter(of: resource)))"
        var parameters = resource.emulator ? ["location: location"] : []
        parameters += plan.parameters(of: resource).map { "\($0.name): \($0.name)" }
        let dependsOn = resource.emulator ? "" : "  dependsOn: [\n    rg\n  ]\n"
        let params = parameters.isEmpty ? "" : "  params: {\n" + parameters.map { "    \($0)\n" }.joined() + "  }\n"
        return """

            module \(symbol) '\(module.path)' = {
              name: '\(resource.name)'
              scope: \(scope)
            \(params)\(dependsOn)}

            module \(BicepSyntax.identifier(roles.name)) '\(roles.path)' = {
              name: '\(roles.name)'
              scope: \(scope)
              params: {
                \(roles.nameParameter): \(symbol).outputs.name
                principalId: principalId
                principalType: principalType
              }
            }

            """
    }
}

/// `main.parameters.json`: the parameters in the form azd fills from its environment.
struct ParametersFile {
    let plan: PublishPlan

    static let path = "main.parameters.json"

    var contents: String {
        var parameters: [(String, JSONValue)] = [
            ("environmentName", .object([("value", .string("${AZURE_ENV_NAME}"))])),
            ("location", .object([("value", .string("${AZURE_LOCATION}"))])),
            ("principalId", .object([("value", .string("${AZURE_PRINCIPAL_ID}"))])),
        ]
        for parameter in plan.allParameters {
            parameters.append((parameter.name, .object([("value", .string("${\(parameter.environmentVariable)}"))])))
        }
        let document = JSONValue.object([
            ("$schema", .string("https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#")),
            ("contentVersion", .string("1.0.0.0")),
            ("parameters", .object(parameters)),
        ])
        return document.rendered() + "\n"
    }
}
