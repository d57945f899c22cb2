import Access

/// `<name>-roles/<name>-roles.bicep`: the role assignments that let a principal use a SignalR
/// resource without keys.
struct RolesModule {
    let resource: SignalRResource
    let plan: PublishPlan

    var name: String { "\(resource.name)-roles" }

    var path: String { "\(name)/\(name).bicep" }

    /// The parameter carrying the SignalR resource's name, as Aspire names it.
    var nameParameter: String { "\(BicepSyntax.identifier(resource.name))_outputs_name" }

    var contents: String {
        let symbol = BicepSyntax.identifier(resource.name)
        let roles = plan.model.publishedRoles(of: resource)
        var text = BicepSyntax.header("roles on the Azure SignalR Service '\(resource.name)'.", model: plan.model)
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
