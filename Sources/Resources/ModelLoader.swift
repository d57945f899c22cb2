/// Loads an application model from the text of apphost.yaml: parse, decode, validate.
///
/// Pure: the caller reads the files and the environment and passes them in, so every rule
/// can be tested without touching the disk.
public struct ModelLoader: Sendable {
    /// The name used in diagnostics for apphost.yaml (as the user named it).
    public var file: String
    /// The variables `${VAR}` reads: the process environment over the `.env` file.
    public var variables: [String: String]
    /// The model's name when the file has no `name:` (the folder's name).
    public var defaultName: String

    /// A loader for `file`.
    public init(file: String, variables: [String: String] = [:], defaultName: String = "app") {
        self.file = file
        self.variables = variables
        self.defaultName = defaultName
    }

    /// The outcome of loading: a model when there were no errors, and every diagnostic.
    public struct Outcome: Sendable {
        /// The model, if the file has no errors.
        public var model: ApplicationModel?
        /// Errors and warnings, in file order.
        public var diagnostics: [Diagnostic]

        /// Creates an outcome.
        public init(model: ApplicationModel?, diagnostics: [Diagnostic]) {
            self.model = model
            self.diagnostics = diagnostics
        }
    }

    /// Loads `text`.
    public func load(_ text: String) -> Outcome {
        let root: YAMLNode?
        switch YAMLReader().read(text, file: file) {
        case .success(let node): root = node
        case .failure(let error): return Outcome(model: nil, diagnostics: error.diagnostics)
        }
        var decoder = ModelDecoder(file: file, interpolator: Interpolator(variables: variables))
        guard let model = decoder.decode(root, defaultName: defaultName) else {
            return Outcome(model: nil, diagnostics: decoder.diagnostics.sortedByLocation())
        }
        var validator = ModelValidator(model: model)
        let diagnostics = (decoder.diagnostics + validator.validate()).sortedByLocation()
        return Outcome(model: diagnostics.containsErrors ? nil : model, diagnostics: diagnostics)
    }

    /// Loads `text`, throwing a ``ModelError`` when it has errors.
    public func loadModel(_ text: String) throws(ModelError) -> (model: ApplicationModel, warnings: [Diagnostic]) {
        let outcome = load(text)
        guard let model = outcome.model else { throw ModelError(outcome.diagnostics) }
        return (model, outcome.diagnostics)
    }
}
