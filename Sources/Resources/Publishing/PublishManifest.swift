/// `apphost-manifest.json`: every resource as a deployment sees it, in the spirit of Aspire's
/// manifest. SignalR resources point at their Bicep with their connection string expression;
/// projects are containers (built or an image) with the environment `apphost env --publish`
/// prints and the Bicep module that deploys them.
struct PublishManifest {
    let plan: PublishPlan
    /// The files of this publication, so a later run knows which JSON files it wrote.
    let files: [String]

    static let path = "apphost-manifest.json"
    /// The first member of the manifest: it marks the file (and the files it lists) as apphost's.
    static let generatorKey = "generatedBy"

    var contents: String {
        let model = plan.model
        let values = PublishedValues(model: model)
        var resources: [(String, JSONValue)] = []
        if !model.projects.isEmpty {
            let environment = EnvironmentModule(plan: plan)
            resources.append((EnvironmentModule.name, .object([("type", .string("azure.bicep.v0")), ("path", .string(environment.path))])))
        }
        for resource in model.resources {
            switch resource {
            case .signalR(let signalR):
                let module = SignalRModule(resource: signalR, plan: plan)
                let roles = RolesModule(resource: signalR, grantee: .deployer, plan: plan)
                let params: [(String, JSONValue)] = plan.upstreamParameters(of: signalR).map { ($0.name, .string($0.placeholder)) }
                resources.append((signalR.name, .object([
                    ("type", .string("azure.bicep.v0")),
                    ("existing", .bool(!signalR.emulator)),
                    ("connectionString", .string(values.connectionString(of: signalR).value)),
                    ("path", .string(module.path)),
                    ("params", .object(params)),
                ])))
                resources.append((roles.name, .object([
                    ("type", .string("azure.bicep.v0")),
                    ("path", .string(roles.path)),
                    ("params", .object([
                        (roles.nameParameter, .string("{\(signalR.name).outputs.name}")),
                        ("principalId", .string("")),
                        ("principalType", .string("")),
                    ])),
                ])))
            case .project(let project):
                let identity = IdentityModule(project: project, plan: plan)
                resources.append((identity.name, .object([("type", .string("azure.bicep.v0")), ("path", .string(identity.path))])))
                for (resource, roles) in plan.roles(of: project) {
                    let module = RolesModule(resource: resource, grantee: .project(project, roles: roles), plan: plan)
                    resources.append((module.name, .object([
                        ("type", .string("azure.bicep.v0")),
                        ("path", .string(module.path)),
                        ("params", .object([
                            (module.nameParameter, .string(DeploymentNames.output("name", of: resource.name))),
                            ("principalId", .string(DeploymentNames.output("principalId", of: identity.name))),
                            ("principalType", .string("ServicePrincipal")),
                        ])),
                    ])))
                }
                resources.append((project.name, projectEntry(project, values: values)))
            }
        }
        let document = JSONValue.object([
            (Self.generatorKey, .string("apphost, from \(model.fileName) (application '\(model.name)'); do not edit: `apphost publish --bicep` writes it again")),
            ("files", .array(files.map { .string($0) })),
            ("resources", .object(resources)),
        ])
        return document.rendered() + "\n"
    }

    private func projectEntry(_ project: ProjectResource, values: PublishedValues) -> JSONValue {
        let app = ContainerAppModule(project: project, plan: plan)
        var members: [(String, JSONValue)] = [("type", .string("container.v1"))]
        let folder = PublishLayout.folder(of: project)
        switch project.container {
        case .image(let image):
            members.append(("image", .string(image)))
        case .dockerfile(let path):
            members.append(("build", .object([("context", .string(folder)), ("dockerfile", .string(path))])))
        case .generated:
            let dockerfile = plan.layout.infraFolder + "/\(project.name)/Dockerfile"
            members.append(("build", .object([("context", .string(folder)), ("dockerfile", .string(dockerfile))])))
        }
        members.append(("env", .object(values.environment(for: project).map { ($0.name, .string($0.value)) })))
        if project.hasEndpoint {
            members.append(("bindings", .object([("http", .object([
                ("scheme", .string("https")), ("protocol", .string("tcp")), ("transport", .string("http")),
                ("targetPort", .number(DeploymentNames.targetPort(of: project))), ("external", .bool(true)),
            ]))])))
        }
        var params: [(String, JSONValue)] = app.parameters.map { ($0.name, .string($0.placeholder)) }
        if app.buildsImage { params.append(("image", .string("{\(project.name).containerImage}"))) }
        members.append(("deployment", .object([
            ("type", .string("azure.bicep.v0")), ("path", .string(app.path)), ("params", .object(params)),
        ])))
        return .object(members)
    }
}
