import Resources
import Testing

/// Loads `yaml` as `apphost.yaml` with the given variables.
func load(_ yaml: String, variables: [String: String] = [:]) -> ModelLoader.Outcome {
    ModelLoader(file: "apphost.yaml", variables: variables, defaultName: "app").load(yaml)
}

/// The only diagnostic of a model, failing the test when there is not exactly one.
func singleDiagnostic(_ yaml: String, variables: [String: String] = [:],
                      sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
    let diagnostics = load(yaml, variables: variables).diagnostics
    #expect(diagnostics.count == 1, "diagnostics: \(diagnostics)", sourceLocation: sourceLocation)
    return diagnostics.first
}

/// The only error of a model (warnings aside), failing the test when there is not exactly one.
func singleError(_ yaml: String, variables: [String: String] = [:],
                 sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
    let errors = load(yaml, variables: variables).diagnostics.filter { $0.severity == .error }
    #expect(errors.count == 1, "errors: \(errors)", sourceLocation: sourceLocation)
    return errors.first
}

/// A model that must load without errors.
func validModel(_ yaml: String, variables: [String: String] = [:],
                sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ApplicationModel {
    let outcome = load(yaml, variables: variables)
    #expect(!outcome.diagnostics.containsErrors, "diagnostics: \(outcome.diagnostics)", sourceLocation: sourceLocation)
    return try #require(outcome.model, sourceLocation: sourceLocation)
}

extension Diagnostic {
    /// `LINE:COLUMN`, for compact assertions.
    var position: String { location.map { "\($0.line):\($0.column)" } ?? "-" }
}

/// Hands out ports 40001, 40002, … so resolved environments are predictable.
struct SequentialPorts: PortAllocator {
    var next = 40001
    mutating func freePort(for resource: String) throws -> Int {
        defer { next += 1 }
        return next
    }
}

/// Keys named after their resource.
struct FixedKeys: AccessKeyProvider {
    func accessKey(for resource: String) throws -> String { "key-of-\(resource)" }
}

/// Resolves `model` with sequential ports and fixed keys.
func resolve(_ model: ApplicationModel) throws -> ResolvedApplication {
    var ports = SequentialPorts()
    return try ResolvedApplication(model: model, allocator: &ports, keys: FixedKeys())
}

/// A project's variables as a dictionary of unmasked values.
func variables(_ values: some ConnectionValues, _ project: String) -> [String: String] {
    let project = values.model.projects.first { $0.name == project }!
    return Dictionary(uniqueKeysWithValues: values.environment(for: project).map { ($0.name, $0.value) })
}
