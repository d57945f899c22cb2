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
        for variable in identityVariables(for: project) {
            set(variable.name, variable.value, secrets: variable.secrets)
        }
        if project.hasEndpoint {
            set(project.portEnv, port(of: project))
        }
        for entry in project.environment {
            let own = value(of: entry, in: project)
            set(entry.name, own.value, secrets: own.secrets)
        }
        return variables
    }

    /// The names apphost injects into `project` itself (not those of its `env:` or `envFile`).
    public func injectedNames(for project: ProjectResource) -> [String] {
        var stripped = project
        stripped.environment = []
        stripped.fileEnvironment = []
        return environment(for: stripped).map(\.name)
    }
}
