/// Writes the infrastructure of a model as text: Bicep modules, main.bicep, the azd
/// parameters and the manifest. Pure: the caller decides where and whether to write.
public struct BicepPublisher: Sendable {
    /// One file to write.
    public struct GeneratedFile: Sendable, Equatable {
        /// The path inside the output folder, with `/` separators.
        public var path: String
        /// The complete contents.
        public var contents: String
    }

    /// The model to publish.
    public let model: ApplicationModel

    /// A publisher for `model` (which must be valid).
    public init(model: ApplicationModel) {
        self.model = model
    }

    /// Every file, in a stable order: main.bicep, the parameters, each resource's module and
    /// roles module, and the manifest last.
    public func files() -> [GeneratedFile] {
        let plan = PublishPlan(model: model)
        var files = [
            GeneratedFile(path: "main.bicep", contents: MainBicep(plan: plan).contents),
            GeneratedFile(path: ParametersFile.path, contents: ParametersFile(plan: plan).contents),
        ]
        for resource in model.signalRResources {
            let module = SignalRModule(resource: resource, plan: plan)
            let roles = RolesModule(resource: resource, plan: plan)
            files.append(GeneratedFile(path: module.path, contents: module.contents))
            files.append(GeneratedFile(path: roles.path, contents: roles.contents))
        }
        let manifest = PublishManifest(plan: plan, files: files.map(\.path) + [PublishManifest.path])
        files.append(GeneratedFile(path: PublishManifest.path, contents: manifest.contents))
        return files
    }

    /// Whether `contents` of the file at `path` was written by apphost (and may be replaced):
    /// a Bicep file starts with the generated marker; a JSON file is apphost's when the
    /// manifest beside it, itself apphost's, lists it.
    public static func isGenerated(path: String, contents: String, manifest: String?) -> Bool {
        if path.hasSuffix(".bicep") { return contents.hasPrefix(BicepSyntax.generatedMarker) }
        guard let manifest, isGeneratedManifest(manifest) else { return false }
        if path == PublishManifest.path { return true }
        return manifest.contains(JSONValue.quoted(path))
    }

    /// Whether a manifest's text starts the way apphost writes manifests.
    static func isGeneratedManifest(_ text: String) -> Bool {
        text.hasPrefix("{\n  \(JSONValue.quoted(PublishManifest.generatorKey)): \"apphost")
    }
}
