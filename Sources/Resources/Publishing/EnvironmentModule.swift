/// `env/env.bicep`: where the projects run. A Log Analytics workspace for their logs, an Azure
/// Container Registry for their images with the identity that pulls from it, and a Container
/// Apps environment on the Consumption profile, with the resource types and API versions
/// Aspire 13 writes. Its outputs carry azd's names, so `azd deploy` finds the registry.
struct EnvironmentModule {
    let plan: PublishPlan

    static let name = DeploymentNames.environmentModule

    var path: String { "\(Self.name)/\(Self.name).bicep" }

    /// The outputs, in the order written; main.bicep passes each on under the same name.
    static let outputs = [
        "AZURE_LOG_ANALYTICS_WORKSPACE_NAME", "AZURE_LOG_ANALYTICS_WORKSPACE_ID",
        "AZURE_CONTAINER_REGISTRY_NAME", "AZURE_CONTAINER_REGISTRY_ENDPOINT", "AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID",
        "AZURE_CONTAINER_APPS_ENVIRONMENT_NAME", "AZURE_CONTAINER_APPS_ENVIRONMENT_ID", "AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN",
    ]

    /// The built-in AcrPull role: pull images from a registry.
    static let acrPullRole = "7f951dda-4ed3-4680-a7ca-43fe172d538d"

    var contents: String {
        let acrPull = "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '\(Self.acrPullRole)')"
        var text = BicepSyntax.header("the Container Apps environment every project runs in.", model: plan.model)
        text += """

            @description('The location for the resource(s) to be deployed.')
            param location string = resourceGroup().location

            @description('The tags of every resource.')
            param tags object = {}

            // The identity the container apps pull their images with.
            resource env_mi 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
              name: take('env-mi-${uniqueString(resourceGroup().id)}', 128)
              location: location
              tags: tags
            }

            // Where `azd deploy` pushes each project's image (AZURE_CONTAINER_REGISTRY_ENDPOINT).
            resource env_acr 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
              name: take('envacr${uniqueString(resourceGroup().id)}', 50)
              location: location
              sku: {
                name: 'Basic'
              }
              properties: {
                // Images are pushed by azd as the signed-in user and pulled by env_mi: no admin password.
                adminUserEnabled: false
              }
              tags: tags
            }

            // AcrPull: the container apps' pull identity reads images from the registry.
            resource env_acr_env_mi_AcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
              name: guid(env_acr.id, env_mi.id, \(acrPull))
              properties: {
                principalId: env_mi.properties.principalId
                roleDefinitionId: \(acrPull)
                principalType: 'ServicePrincipal'
              }
              scope: env_acr
            }

            resource env_law 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
              name: take('envlaw-${uniqueString(resourceGroup().id)}', 63)
              location: location
              properties: {
                sku: {
                  name: 'PerGB2018'
                }
                retentionInDays: 30
              }
              tags: tags
            }

            resource env 'Microsoft.App/managedEnvironments@2025-01-01' = {
              name: take('env${uniqueString(resourceGroup().id)}', 24)
              location: location
              properties: {
                appLogsConfiguration: {
                  destination: 'log-analytics'
                  logAnalyticsConfiguration: {
                    customerId: env_law.properties.customerId
                    sharedKey: env_law.listKeys().primarySharedKey
                  }
                }
                workloadProfiles: [
                  {
                    name: 'consumption'
                    workloadProfileType: 'Consumption'
                  }
                ]
              }
              tags: tags
            }

            output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = env_law.name
            output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = env_law.id
            output AZURE_CONTAINER_REGISTRY_NAME string = env_acr.name
            output AZURE_CONTAINER_REGISTRY_ENDPOINT string = env_acr.properties.loginServer
            output AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID string = env_mi.id
            output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = env.name
            output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = env.id
            output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = env.properties.defaultDomain

            """
        return text
    }
}
