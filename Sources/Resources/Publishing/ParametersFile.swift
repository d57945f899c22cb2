/// `main.parameters.json`: main.bicep's parameters in the form azd fills from its environment.
struct ParametersFile {
    let plan: PublishPlan

    static let path = "main.parameters.json"

    var contents: String {
        var parameters: [(String, JSONValue)] = [
            ("environmentName", .object([("value", .string("${AZURE_ENV_NAME}"))])),
            ("location", .object([("value", .string("${AZURE_LOCATION}"))])),
            ("principalId", .object([("value", .string("${AZURE_PRINCIPAL_ID}"))])),
        ]
        func fill(_ parameter: String, from variable: String) {
            parameters.append((parameter, .object([("value", .string("${\(variable)}"))])))
        }
        for project in plan.model.projects where ContainerAppModule(project: project, plan: plan).buildsImage {
            // azd records the image it deployed, so provisioning again keeps it.
            fill(DeploymentNames.imageParameter(of: project), from: DeploymentNames.imageEnvironmentVariable(of: project))
        }
        for project in plan.model.projects {
            for variable in plan.secretVariables(of: project) {
                fill(DeploymentNames.secretParameter(of: project, variable: variable),
                     from: DeploymentNames.secretEnvironmentVariable(of: project, variable: variable))
            }
        }
        let document = JSONValue.object([
            ("$schema", .string("https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#")),
            ("contentVersion", .string("1.0.0.0")),
            ("parameters", .object(parameters)),
        ])
        return document.rendered() + "\n"
    }
}
