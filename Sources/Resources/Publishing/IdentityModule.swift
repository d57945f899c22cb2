/// `<project>-identity/<project>-identity.bicep`: the user-assigned identity a project signs in
/// with; its roles are granted where each SignalR resource is.
struct IdentityModule {
    let project: ProjectResource
    let plan: PublishPlan

    var name: String { DeploymentNames.identityModule(of: project) }

    var path: String { "\(name)/\(name).bicep" }

    var contents: String {
        var text = BicepSyntax.header("the managed identity of project '\(project.name)'.", model: plan.model)
        text += """

            @description('The location for the resource(s) to be deployed.')
            param location string = resourceGroup().location

            resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
              name: take('\(BicepSyntax.escaped(project.name.lowercased()))-id-${uniqueString(resourceGroup().id)}', 128)
              location: location
            }

            output id string = identity.id
            output clientId string = identity.properties.clientId
            output principalId string = identity.properties.principalId
            output principalName string = identity.name

            """
        return text
    }
}
