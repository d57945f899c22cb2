/// `<name>/<name>.bicep`: one SignalR resource, created as the model describes it, or
/// referenced when it already exists (`emulator: false` with an `endpoint`).
struct SignalRModule {
    let resource: SignalRResource
    let plan: PublishPlan

    var path: String { "\(resource.name)/\(resource.name).bicep" }

    var contents: String {
        resource.emulator ? created : existing
    }

    private var symbol: String { BicepSyntax.identifier(resource.name) }

    private var outputs: String {
        """

        output hostName string = \(symbol).properties.hostName
        output name string = \(symbol).name
        output id string = \(symbol).id

        """
    }

    private var created: String {
        let parameters = plan.upstreamParameters(of: resource)
        var text = BicepSyntax.header("the Azure SignalR Service '\(resource.name)' (\(resource.mode.rawValue) mode).", model: plan.model)
        text += """

            @description('The location for the resource(s) to be deployed.')
            param location string = resourceGroup().location

            """
        for parameter in parameters {
            text += """

                @description(\(BicepSyntax.string("\(parameter.source), which the upstream URLs use (a project's address is its container app's).")))
                param \(parameter.name) string

                """
        }
        let origins = resource.corsAllowedOrigins ?? ["*"]
        text += """

            resource \(symbol) '\(PublishPlan.signalRType)' = {
              // Unique per resource group, at most 63 characters as Azure requires.
              name: take('\(BicepSyntax.escaped(resource.name.lowercased()))-${uniqueString(resourceGroup().id)}', 63)
              location: location
              kind: 'SignalR'
              sku: {
                name: '\(resource.sku.rawValue)'
                capacity: \(resource.effectiveCapacity)
              }\(identityBlock)
              properties: {
                features: [
                  {
                    flag: 'ServiceMode'
                    value: '\(resource.mode.rawValue)'
                  }
                ]
                cors: {
                  allowedOrigins: \(BicepSyntax.stringArray(origins, indent: "      "))
                }
                // Apps sign in with Microsoft Entra ID (roles are granted in the roles module): no access keys.
                disableLocalAuth: true

            """
        if resource.mode == .serverless, !resource.upstream.isEmpty {
            text += "    upstream: {\n      templates: [\n"
            for template in resource.upstream {
                // A project's address is its container app's, in the environment's domain.
                let url = plan.upstreamURL(template).expression
                text += """
                            {
                              urlTemplate: \(url)
                              hubPattern: \(BicepSyntax.string(template.hubPattern))
                              eventPattern: \(BicepSyntax.string(template.eventPattern))
                              categoryPattern: \(BicepSyntax.string(template.categoryPattern))\(authBlock(template.auth))
                            }

                    """
            }
            text += "      ]\n    }\n"
        }
        text += """
              }
              tags: {
                'aspire-resource-name': \(BicepSyntax.string(resource.name))
              }
            }

            """
        return text + outputs
    }

    private var existing: String {
        var text = BicepSyntax.header("the existing Azure SignalR Service '\(resource.name)'.", model: plan.model)
        text += """
            // It is not created here: \(resource.endpoint ?? "") already exists (emulator: false in the model).

            resource \(symbol) '\(PublishPlan.signalRType)' existing = {
              name: \(BicepSyntax.string(PublishPlan.existingName(of: resource)))
            }

            """
        return text + outputs
    }

    /// A system-assigned identity, which the service needs to get tokens for its upstreams.
    private var identityBlock: String {
        guard resource.upstream.contains(where: { $0.auth != .none }) else { return "" }
        return "\n  // The service's own identity: it signs in to upstreams whose auth is ManagedIdentity.\n  identity: {\n    type: 'SystemAssigned'\n  }"
    }

    /// An upstream template's `auth`, when it has one.
    private func authBlock(_ auth: UpstreamAuthentication) -> String {
        guard let resource = auth.resource else { return "" }
        return "\n          auth: {\n            type: 'ManagedIdentity'\n            managedIdentity: {\n              resource: \(BicepSyntax.string(resource))\n            }\n          }"
    }
}
