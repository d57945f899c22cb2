/// Turns text holding deployment placeholders (``DeploymentNames``) into a Bicep expression,
/// and names the module parameters that carry each placeholder's value.
struct BicepInterpolation {
    /// A value a module receives from main.bicep.
    struct Parameter: Equatable {
        /// The parameter's name inside the module (`signalr_outputs_hostname`, as Aspire names them).
        var name: String
        /// What main.bicep passes (`signalr.outputs.hostName`).
        var source: String
        /// Whether it is a secret (`@secure()`).
        var isSecure: Bool
        /// The placeholder it stands for (`{signalr.outputs.hostName}`), as the manifest writes it.
        var placeholder: String
    }

    /// The Bicep for `text`: a plain string literal, or an interpolated one.
    let expression: String
    /// The parameters the expression uses, in order of appearance.
    let parameters: [Parameter]

    /// Reads `text`; placeholders it does not know stay literal text.
    init(_ text: String) {
        var literal = ""
        var expression = "'"
        var parameters: [Parameter] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}"),
                  let reference = Self.reference(String(rest[rest.index(after: open)..<close])) else {
                literal += "{"
                rest = rest[rest.index(after: open)...]
                continue
            }
            expression += BicepSyntax.escaped(literal) + "${\(reference.bicep)}"
            literal = ""
            if let parameter = reference.parameter, !parameters.contains(parameter) { parameters.append(parameter) }
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        expression += BicepSyntax.escaped(literal) + "'"
        // A lone placeholder is the value itself, not a string around it.
        let inner = expression.dropFirst(3).dropLast(2)
        if expression.hasPrefix("'${"), expression.hasSuffix("}'"), !inner.contains("${"), !inner.contains("}") {
            self.expression = String(inner)
        } else {
            self.expression = expression
        }
        self.parameters = parameters
    }

    /// What a placeholder's inside (`signalr.outputs.hostName`) stands for in Bicep.
    private static func reference(_ inside: String) -> (bicep: String, parameter: Parameter?)? {
        if "{\(inside)}" == DeploymentNames.tenantID { return ("tenant().tenantId", nil) }
        let parts = inside.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3, parts[1] == "outputs", isName(parts[0]), isName(parts[2]) {
            let name = "\(BicepSyntax.identifier(parts[0]))_outputs_\(parts[2].lowercased())"
            return (name, Parameter(name: name, source: "\(BicepSyntax.identifier(parts[0])).outputs.\(parts[2])", isSecure: false,
                                    placeholder: "{\(inside)}"))
        }
        if parts.count == 2, parts[1] == "value", isName(parts[0]) {
            return (parts[0], Parameter(name: parts[0], source: parts[0], isSecure: true, placeholder: "{\(inside)}"))
        }
        return nil
    }

    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" || $0 == "_" }
    }
}
