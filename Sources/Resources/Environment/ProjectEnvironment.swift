/// The environment variables each project receives, as DESIGN.md §3 specifies.
extension ConnectionValues {
    /// The variables `project` receives, in a stable order: those of its `envFile`s, then for
    /// each reference its variables, then the project's own port, then its `env:` entries. A
    /// later one wins: what apphost injects over the files, `env:` over both.
    public func environment(for project: ProjectResource) -> [EnvironmentVariable] {
        var variables: [EnvironmentVariable] = []
        func set(_ name: String, _ value: String, secrets: [String] = []) {
            let variable = EnvironmentVariable(name: name, value: value, secrets: secrets)
            if let index = variables.firstIndex(where: { $0.name == name }) {
                variables[index] = variable
            } else {
                variables.append(variable)
            }
        }
        for (name, value) in project.fileEnvironment {
            set(name, value, secrets: EnvironmentVariable.nameSuggestsSecret(name) ? [value] : [])
        }
        for reference in project.references {
            switch model.resource(named: reference.resource) {
            case .signalR(let resource)?:
                let prefix = ResourceName.environmentPrefix(of: resource.name)
                let connection = connectionString(of: resource, for: project)
                set("\(prefix)_URI", uri(of: resource))
                set("ConnectionStrings__\(resource.name)", connection.value, secrets: connection.secrets)
                if let extra = reference.connectionStringEnv {
                    set(extra, connection.value, secrets: connection.secrets)
                }
            case .project(let target)? where target.hasEndpoint:
                let url = url(of: target)
                set("services__\(target.name)__http__0", url)
                set("\(ResourceName.environmentPrefix(of: target.name))_URL", url)
            default:
                continue
            }
        }
        if let identity = managedIdentity(of: project), let endpoint = identityEndpoint {
            // What Azure App Service and Container Apps give an app with a managed identity.
            set("IDENTITY_ENDPOINT", endpoint)
            set("IDENTITY_HEADER", identity.header, secrets: [identity.header])
            if usesUserAssignedIdentity(project) { set("AZURE_CLIENT_ID", identity.clientID) }
            // Local only: Entra ID's metadata lives at login.microsoftonline.com in Azure.
            if let configuration = openIDConfiguration { set("APPHOST_OPENID_CONFIGURATION", configuration) }
        }
        if project.hasEndpoint {
            set(project.portEnv, port(of: project))
        }
        for entry in project.environment {
            let rendered = render(entry.value)
            let secrets = EnvironmentVariable.nameSuggestsSecret(entry.name) ? [rendered.value] : rendered.secrets
            set(entry.name, rendered.value, secrets: secrets)
        }
        return variables
    }

    /// Whether `project` references an emulated resource with `authType: azure.msi`, whose SDKs
    /// pick the identity by `AZURE_CLIENT_ID`.
    private func usesUserAssignedIdentity(_ project: ProjectResource) -> Bool {
        project.references.contains { reference in
            guard case .signalR(let resource)? = model.resource(named: reference.resource), resource.emulator,
                  case .managedIdentity = resource.localAuthentication else { return false }
            return true
        }
    }

    /// The names apphost injects into `project` itself (not those of its `env:` or `envFile`).
    public func injectedNames(for project: ProjectResource) -> [String] {
        var stripped = project
        stripped.environment = []
        stripped.fileEnvironment = []
        return environment(for: stripped).map(\.name)
    }
}
