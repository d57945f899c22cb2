import Resources

/// Renders projects' environments as a table, dotenv lines or JSON.
struct EnvironmentFormatter {
    /// Whether secrets are shown as they are.
    var showSecrets: Bool

    typealias ProjectVariables = (project: String, variables: [EnvironmentVariable])

    func value(_ variable: EnvironmentVariable) -> String {
        showSecrets ? variable.value : variable.maskedValue
    }

    /// A section per project: its name, then aligned `NAME  value` rows.
    func table(_ environments: [ProjectVariables]) -> String {
        environments.map { environment in
            let width = environment.variables.map(\.name.count).max() ?? 0
            let rows = environment.variables.map { variable in
                "  " + variable.name.padding(toLength: width) + "  " + value(variable)
            }
            return ([environment.project] + (rows.isEmpty ? ["  (no variables)"] : rows)).joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// `NAME=value` lines, each project's under a `# name` comment; values quoted when a shell
    /// or a dotenv reader would otherwise change them.
    func dotenv(_ environments: [ProjectVariables]) -> String {
        environments.map { environment in
            (["# \(environment.project)"] + environment.variables.map { "\($0.name)=\(Self.dotenvQuoted(value($0)))" })
                .joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// `{ "project": { "NAME": "value", … }, … }`, in the order of the model.
    func json(_ environments: [ProjectVariables]) -> String {
        JSONValue.object(environments.map { environment in
            (environment.project, .object(environment.variables.map { ($0.name, .string(value($0))) }))
        }).rendered()
    }

    static func dotenvQuoted(_ value: String) -> String {
        let safe = value.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_-./:@%+,=".unicodeScalars.contains(scalar))
        }
        if safe { return value }
        var quoted = "\""
        for character in value {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "$": quoted += "\\$"
            case "`": quoted += "\\`"
            case "\n": quoted += "\\n"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
