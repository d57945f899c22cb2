/// `apphost-manifest.json`: every resource as a deployment sees it, in the spirit of Aspire's
/// manifest. SignalR resources point at their Bicep with their connection string expression;
/// projects carry their command and the environment `apphost env --publish` prints.
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
        for resource in model.resources {
            switch resource {
            case .signalR(let signalR):
                let module = SignalRModule(resource: signalR, plan: plan)
                let roles = RolesModule(resource: signalR, plan: plan)
                let params: [(String, JSONValue)] = plan.parameters(of: signalR).map { ($0.name, .string($0.manifestValue)) }
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
        let words = project.command.map { values.render($0).value }
        var members: [(String, JSONValue)] = [
            ("type", .string("executable.v0")),
            ("workingDirectory", .string(project.workingDirectory ?? ".")),
            ("command", .string(words.first ?? "")),
            ("args", .array(words.dropFirst().map { .string($0) })),
            ("env", .object(values.environment(for: project).map { ($0.name, .string($0.value)) })),
        ]
        if project.hasEndpoint {
            members.append(("bindings", .object([("http", .object([
                ("scheme", .string("http")), ("protocol", .string("tcp")), ("transport", .string("http")),
                ("env", .string(project.portEnv)),
            ]))])))
        }
        return .object(members)
    }
}
