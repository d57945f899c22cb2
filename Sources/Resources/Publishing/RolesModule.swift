import Access

/// `<name>/<name>.bicep`: the role assignments that let one principal use a SignalR resource
/// without keys. It is deployed where the resource is (its resource group), so it also grants
/// roles on a resource that exists already.
struct RolesModule {
    /// Who receives the roles.
    enum Grantee {
        /// The principal that deploys (azd passes the signed-in user), who runs the apps against
        /// the resource from a laptop: every role any reference holds (`<signalr>-roles`).
        case deployer
        /// A project's user-assigned identity: the roles of its reference
        /// (`<project>-roles-<signalr>`).
        case project(ProjectResource, roles: [SignalRRole])
    }

    let resource: SignalRResource
    let grantee: Grantee
    let plan: PublishPlan

    var name: String {
        switch grantee {
        case .deployer: "\(resource.name)-roles"
        case .project(let project, _): DeploymentNames.rolesModule(of: project, on: resource)
        }
    }

    var path: String { "\(name)/\(name).bicep" }

    var roles: [SignalRRole] {
        switch grantee {
        case .deployer: plan.model.publishedRoles(of: resource)
        case .project(_, let roles): roles
        }
    }

    /// The parameter carrying the SignalR resource's name, as Aspire names it.
    var nameParameter: String { "\(BicepSyntax.identifier(resource.name))_outputs_name" }

    private var summary: String {
        switch grantee {
        case .deployer: "roles on the Azure SignalR Service '\(resource.name)'."
        case .project(let project, _): "the roles of project '\(project.name)' on the Azure SignalR Service '\(resource.name)'."
        }
    }

    var contents: String {
        let symbol = BicepSyntax.identifier(resource.name)
        var text = BicepSyntax.header(summary, model: plan.model)
        text += """

            @description('The name of the SignalR resource.')
            param \(nameParameter) string

            @description('The principal that receives the roles: a user, a group or a managed identity.')
            param principalId string

            @description('The kind of principal: User, Group or ServicePrincipal.')
            param principalType string

            resource \(symbol) '\(PublishPlan.signalRType)' existing = {
              name: \(nameParameter)
            }

            """
        for role in roles {
            let definition = "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '\(role.definitionID)')"
            text += """

                // \(role.displayName): \(role.purpose).
                resource \(symbol)_\(role.rawValue) 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
                  name: guid(\(symbol).id, principalId, \(definition))
                  properties: {
                    principalId: principalId
                    roleDefinitionId: \(definition)
                    principalType: principalType
                  }
                  scope: \(symbol)
                }

                """
        }
        return text
    }
}
