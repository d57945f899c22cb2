/// Splits a command line into words the way a POSIX shell does, without running a shell.
///
/// Whitespace separates words; single quotes keep everything literally; double quotes keep
/// spaces and allow `\"`, `\\`, `\$` and `` \` `` escapes; a backslash outside quotes escapes the
/// next character. Nothing is expanded: no variables, globs or pipes.
public enum ShellWords {
    /// A quote that was opened and never closed, at a character offset.
    public struct UnterminatedQuote: Error, Equatable {
        /// Characters from the start of the text to the opening quote.
        public var offset: Int
        /// The quote character.
        public var quote: Character

        /// Creates the error.
        public init(offset: Int, quote: Character) {
            self.offset = offset
            self.quote = quote
        }
    }

    /// The words of `text`.
    public static func split(_ text: String) throws(UnterminatedQuote) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'":
                inWord = true
                guard let close = characters[(index + 1)...].firstIndex(of: "'") else {
                    throw UnterminatedQuote(offset: index, quote: "'")
                }
                current += String(characters[(index + 1)..<close])
                index = close
            case "\"":
                inWord = true
                let open = index
                index += 1
                while true {
                    guard index < characters.count else { throw UnterminatedQuote(offset: open, quote: "\"") }
                    let inner = characters[index]
                    if inner == "\"" { break }
                    if inner == "\\", index + 1 < characters.count, "\"\\$`".contains(characters[index + 1]) {
                        current.append(characters[index + 1])
                        index += 2
                        continue
                    }
                    current.append(inner)
                    index += 1
                }
            case "\\":
                inWord = true
                if index + 1 < characters.count {
                    current.append(characters[index + 1])
                    index += 1
                }
            default:
                inWord = true
                current.append(character)
            }
            index += 1
        }
        if inWord { words.append(current) }
        return words
    }
}
