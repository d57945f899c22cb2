/// A cheap scan for YAML structures that would make the parser recurse or hash without bound,
/// run before the parser sees the text.
///
/// Two things are refused. Nesting beyond a limit: the estimate errs high: it counts open flow brackets (`[`, `{`) outside quoted scalars,
/// the block indentation levels open at each line, and compact nesting on one line
/// (`- - x`, `- key: value`); a real application model stays far below any sensible limit.
/// And complex keys (`? key`, `[a, b]: value`, `*alias : value`): the parser compares keys by
/// hashing them whole, so an alias bomb used as a key would take forever; apphost.yaml never
/// needs keys other than words.
struct StructureGuard {
    /// The estimate above which the text is refused.
    let limit: Int

    /// A diagnostic for the first place the estimated depth passes the limit, if any.
    func firstProblem(in text: String, file: String) -> Diagnostic? {
        var flowDepth = 0
        var indents: [Int] = []
        var quote: Character?
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let characters = Array(line)
            var index = 0
            var compact = 0
            var deepestFlow = flowDepth
            if quote == nil && flowDepth == 0 {
                let indent = characters.prefix { $0 == " " }.count
                let rest = characters.dropFirst(indent)
                if rest.isEmpty || rest.first == "#" { continue }
                while let last = indents.last, last >= indent { indents.removeLast() }
                indents.append(indent)
                index = indent
                // Compact nesting: "- - x", "? x", "- key: value".
                while index + 1 < characters.count, "-?:".contains(characters[index]), characters[index + 1] == " " {
                    if characters[index] == "?" { return complexKey(line: lineNumber, column: index + 1, file: file) }
                    compact += 1
                    index += 2
                    while index < characters.count, characters[index] == " " { index += 1 }
                }
            }
            var previousSignificant: Character? = index == 0 ? nil : characters[index - 1]
            while index < characters.count {
                let character = characters[index]
                if let open = quote {
                    if open == "\"" && character == "\\" { index += 2; continue }
                    if character == open {
                        if open == "'" && index + 1 < characters.count && characters[index + 1] == "'" {
                            index += 2; continue
                        }
                        quote = nil
                    }
                    index += 1
                    continue
                }
                switch character {
                case "#" where index == 0 || characters[index - 1] == " " || characters[index - 1] == "\t":
                    index = characters.count
                    continue
                case "\"", "'":
                    if startsScalar(previous: previousSignificant, before: index, in: characters) {
                        quote = character
                    }
                case "?" where index + 1 == characters.count || characters[index + 1] == " ":
                    if previousSignificant == nil || "[{,-".contains(previousSignificant!) {
                        return complexKey(line: lineNumber, column: index + 1, file: file)
                    }
                case "*" where previousSignificant == nil || index == 0 || " [{,".contains(characters[index - 1]):
                    if isFollowedByKeyColon(characters, from: skipAnchorName(characters, from: index + 1)) {
                        return complexKey(line: lineNumber, column: index + 1, file: file)
                    }
                case "]" where isFollowedByKeyColon(characters, from: index + 1),
                     "}" where isFollowedByKeyColon(characters, from: index + 1):
                    return complexKey(line: lineNumber, column: index + 1, file: file)
                case "[", "{":
                    flowDepth += 1
                    deepestFlow = max(deepestFlow, flowDepth)
                case "]", "}":
                    flowDepth = max(0, flowDepth - 1)
                case ":" where index + 1 < characters.count && characters[index + 1] == " ":
                    compact += 1
                default:
                    break
                }
                if character != " " && character != "\t" { previousSignificant = character }
                index += 1
            }
            let estimate = deepestFlow + indents.count + compact
            if estimate > limit {
                return .error("the YAML nests more than \(limit) levels deep", at: SourceLocation(file: file, line: lineNumber, column: 1),
                              hint: "an application model needs a handful of levels; is this the right file?")
            }
        }
        return nil
    }

    private func complexKey(line: Int, column: Int, file: String) -> Diagnostic {
        .error("keys must be plain words; lists, mappings and aliases cannot be keys",
               at: SourceLocation(file: file, line: line, column: column), hint: "write the key as a word, e.g. 'api:'")
    }

    private func skipAnchorName(_ characters: [Character], from start: Int) -> Int {
        var index = start
        while index < characters.count, characters[index] == "-" || characters[index] == "_"
                || characters[index].isASCII && (characters[index].isLetter || characters[index].isNumber) {
            index += 1
        }
        return index
    }

    /// Whether optional spaces and then `:` and a space (or the end of the line) follow.
    private func isFollowedByKeyColon(_ characters: [Character], from start: Int) -> Bool {
        var index = start
        while index < characters.count, characters[index] == " " { index += 1 }
        guard index < characters.count, characters[index] == ":" else { return false }
        return index + 1 == characters.count || " ,]}".contains(characters[index + 1])
    }

    /// Whether a quote character begins a quoted scalar: at the start of a value, or after an
    /// anchor or tag that precedes the value.
    private func startsScalar(previous: Character?, before index: Int, in characters: [Character]) -> Bool {
        guard let previous else { return true }
        if "[{,:?-".contains(previous) { return true }
        // The word before the quote: an anchor (&a) or a tag (!!str) still leaves the value to come.
        var end = index
        while end > 0, characters[end - 1] == " " || characters[end - 1] == "\t" { end -= 1 }
        guard end < index else { return false }
        var start = end
        while start > 0, characters[start - 1] != " " && characters[start - 1] != "\t" { start -= 1 }
        return characters[start] == "&" || characters[start] == "!"
    }
}
