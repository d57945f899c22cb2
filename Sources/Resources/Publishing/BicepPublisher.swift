/// Writes the deployment of a model as text: main.bicep, the azd parameters, a module per
/// SignalR resource and per project, the Dockerfiles it generates, the manifest, and azure.yaml.
/// Pure: the caller decides where and whether to write.
public struct BicepPublisher: Sendable {
    /// One file to write.
    public struct GeneratedFile: Sendable, Equatable {
        /// The folder a file's path is relative to.
        public enum Root: Sendable, Equatable {
            /// The output folder (`-o`, default `infra`).
            case output
            /// apphost.yaml's folder, where azd looks for azure.yaml.
            case model
        }

        /// The path inside its root, with `/` separators.
        public var path: String
        /// The complete contents.
        public var contents: String
        /// What `path` is relative to.
        public var root: Root = .output
    }

    /// The model to publish.
    public let model: ApplicationModel
    /// Where things are on disk.
    public let layout: PublishLayout

    /// A publisher for `model` (which must be valid).
    public init(model: ApplicationModel, layout: PublishLayout = PublishLayout()) {
        self.model = model
        self.layout = layout
    }

    private var plan: PublishPlan { PublishPlan(model: model, layout: layout) }

    /// What stops the model from being deployed, though it runs locally: a project apphost cannot
    /// make an image of, a name Azure refuses for a container app, two modules with one name.
    public func problems() -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for project in model.projects {
            if project.name.count > DeploymentNames.maximumAppNameLength {
                problems.append(.error("project name '\(project.name)' is longer than the \(DeploymentNames.maximumAppNameLength) characters of a container app name",
                                       at: project.location, hint: "shorten it to deploy the project to Azure Container Apps"))
            }
            if case .generated = project.container, DockerfileRecipe.runtime(of: project) == nil {
                let program = project.command.first.map { $0.rendered { _ in "" } } ?? ""
                problems.append(.error("apphost cannot make a container image of project '\(project.name)': '\(program)' is neither Python nor Node.js",
                                       at: project.location(of: "command"),
                                       hint: "add 'image:' (an image to deploy as is) or 'dockerfile:' (a Dockerfile to build, relative to apphost.yaml)"))
            }
        }
        var seen: [String: String] = [:]
        for (path, owner) in modulePaths() {
            if let other = seen[path], other != owner {
                let location = model.resource(named: owner)?.location
                problems.append(.error("'\(owner)' and '\(other)' would both be published as \(path)", at: location,
                                       hint: "rename one of them"))
            }
            seen[path] = owner
        }
        return problems
    }

    /// The azd environment variables that fill the secret parameters (`API_API_KEY`): the
    /// values of the projects' secret-looking `env:` entries in Azure.
    public var secretEnvironmentVariables: [String] {
        model.projects.flatMap { project in
            plan.secretVariables(of: project).map { DeploymentNames.secretEnvironmentVariable(of: project, variable: $0) }
        }
    }

    /// Each module's path with the resource it belongs to.
    private func modulePaths() -> [(String, String)] {
        var paths = model.signalRResources.flatMap { resource in
            [(SignalRModule(resource: resource, plan: plan).path, resource.name),
             (RolesModule(resource: resource, grantee: .deployer, plan: plan).path, resource.name)]
        }
        if !model.projects.isEmpty { paths.append((EnvironmentModule(plan: plan).path, "")) }
        for project in model.projects {
            paths.append((IdentityModule(project: project, plan: plan).path, project.name))
            paths.append((ContainerAppModule(project: project, plan: plan).path, project.name))
            for (resource, roles) in plan.roles(of: project) {
                paths.append((RolesModule(resource: resource, grantee: .project(project, roles: roles), plan: plan).path, project.name))
            }
        }
        return paths
    }

    /// Every file, in a stable order: main.bicep, the parameters, the environment, each SignalR
    /// resource's module and roles, each project's identity, roles, app and Dockerfile, the
    /// manifest, and azure.yaml last.
    public func files() -> [GeneratedFile] {
        let plan = plan
        var files = [
            GeneratedFile(path: "main.bicep", contents: MainBicep(plan: plan).contents),
            GeneratedFile(path: ParametersFile.path, contents: ParametersFile(plan: plan).contents),
        ]
        if !model.projects.isEmpty {
            let environment = EnvironmentModule(plan: plan)
            files.append(GeneratedFile(path: environment.path, contents: environment.contents))
        }
        for resource in model.signalRResources {
            let module = SignalRModule(resource: resource, plan: plan)
            let roles = RolesModule(resource: resource, grantee: .deployer, plan: plan)
            files.append(GeneratedFile(path: module.path, contents: module.contents))
            files.append(GeneratedFile(path: roles.path, contents: roles.contents))
        }
        for project in model.projects {
            let identity = IdentityModule(project: project, plan: plan)
            files.append(GeneratedFile(path: identity.path, contents: identity.contents))
            for (resource, roles) in plan.roles(of: project) {
                let module = RolesModule(resource: resource, grantee: .project(project, roles: roles), plan: plan)
                files.append(GeneratedFile(path: module.path, contents: module.contents))
            }
            let app = ContainerAppModule(project: project, plan: plan)
            files.append(GeneratedFile(path: app.path, contents: app.contents))
            if case .generated = project.container,
               let recipe = DockerfileRecipe(project: project, files: layout.projectFiles[project.name] ?? [], plan: plan) {
                files.append(GeneratedFile(path: recipe.path, contents: recipe.contents))
            }
        }
        let manifest = PublishManifest(plan: plan, files: files.map(\.path) + [PublishManifest.path])
        files.append(GeneratedFile(path: PublishManifest.path, contents: manifest.contents))
        if !model.projects.isEmpty {
            files.append(GeneratedFile(path: AzureYAMLFile.path, contents: AzureYAMLFile(plan: plan).contents, root: .model))
        }
        return files
    }

    /// Whether `contents` of the file at `path` (in the output folder, or azure.yaml) was written
    /// by apphost and may be replaced: a Bicep file, a Dockerfile or azure.yaml starts with the
    /// generated marker; a JSON file is apphost's when the manifest beside it, itself apphost's,
    /// lists it.
    public static func isGenerated(path: String, contents: String, manifest: String?) -> Bool {
        if path.hasSuffix(".bicep") { return contents.hasPrefix(BicepSyntax.generatedMarker) }
        if path.hasSuffix("Dockerfile") { return contents.hasPrefix(DockerfileRecipe.generatedMarker) }
        if path == AzureYAMLFile.path { return contents.hasPrefix(AzureYAMLFile.generatedMarker) }
        guard let manifest, isGeneratedManifest(manifest) else { return false }
        if path == PublishManifest.path { return true }
        return manifest.contains(JSONValue.quoted(path))
    }

    /// Whether a manifest's text starts the way apphost writes manifests.
    static func isGeneratedManifest(_ text: String) -> Bool {
        text.hasPrefix("{\n  \(JSONValue.quoted(PublishManifest.generatorKey)): \"apphost")
    }
}
