@testable import Emulator
import Testing

/// The OData filter of `:execute`, with the examples of Azure's filter syntax reference.
@Suite("Connection filters")
struct ConnectionFilterTests {
    let listener = ConnectionFilter.Subject(userID: "listener-1", connectionID: "c1", groups: ["news", "sport"])
    let anonymous = ConnectionFilter.Subject(userID: nil, connectionID: "c2", groups: [])
    let quoted = ConnectionFilter.Subject(userID: "o'brien", connectionID: "c3", groups: ["news"])

    func matches(_ filter: String, _ subject: ConnectionFilter.Subject) throws -> Bool {
        try ConnectionFilter(filter).matches(subject)
    }

    @Test("Comparisons, membership and functions select the connections Azure's examples describe", arguments: [
        ("userId eq 'listener-1'", [true, false, false]),
        ("userId ne 'listener-1'", [false, true, true]),
        ("userId eq null", [false, true, false]),
        ("userId ne null", [true, false, true]),
        ("connectionId eq 'c2'", [false, true, false]),
        ("'news' in groups", [true, false, true]),
        ("'sport' in groups and 'news' in groups", [true, false, false]),
        ("userId in ('listener-1', 'o''brien')", [true, false, true]),
        ("startswith(userId, 'listener-')", [true, false, false]),
        ("not endswith(userId, 'brien')", [true, true, false]),
        ("contains(userId, 'bri')", [false, false, true]),
        ("length(userId) le 10 and length(userId) gt 3", [true, false, true]),
        ("userId eq 'x' or userId eq 'o''brien' and 'news' in groups", [false, false, true]),
        ("(userId eq 'x' or userId eq 'listener-1') and 'sport' in groups", [true, false, false]),
        ("not ('news' in groups)", [false, true, false]),
        ("tolower(toupper(userId)) eq 'listener-1'", [true, false, false]),
        ("substring(userId, 0, 8) eq 'listener'", [true, false, false]),
        ("indexof(userId, '-') eq 8", [true, false, false]),
        ("concat(userId, '!') eq 'o''brien!'", [false, false, true]),
        ("UserID eq 'listener-1' AND true", [true, false, false]),
        ("false", [false, false, false]),
    ])
    func selections(filter: String, expected: [Bool]) throws {
        #expect(try [listener, anonymous, quoted].map { try matches(filter, $0) } == expected)
    }

    @Test("A filter that cannot be read is refused with the position where it goes wrong", arguments: [
        ("", 1, "empty"),
        ("userId eq", 10, "expected a value"),
        ("userId eq 'abc", 11, "not closed"),
        ("userId eqq 'a'", 8, "unexpected 'eqq'"),
        ("(userId eq 'a'", 15, "expected ')'"),
        ("name eq 'a'", 1, "unknown name 'name'"),
        ("length(userId, 'x') gt 1", 19, "takes 1 argument"),
        ("userId eq 'a' $", 15, "unexpected character '$'"),
        ("userId in 'a'", 11, "after 'in'"),
        (String(repeating: "(", count: 100) + "true" + String(repeating: ")", count: 100), 65, "deeper than 64"),
        (String(repeating: "not ", count: 100) + "true", 257, "deeper than 64"),
    ])
    func errors(filter: String, position: Int, message: String) {
        #expect {
            try ConnectionFilter(filter)
        } throws: { error in
            guard let error = error as? ConnectionFilter.ParseError else { return false }
            return error.position == position && error.description.contains(message)
        }
    }
}
