import Hummingbird

/// Who may see the dashboard: a browser that opened the link `apphost run` printed.
///
/// The link carries a random token. The first request with it (`/?t=TOKEN`) gets the token in
/// an HttpOnly, SameSite=Strict cookie named after the port (cookies ignore ports, and two runs
/// must not overwrite each other's) and is redirected to `/`, so the token leaves the address
/// bar and the history. Every other request needs that cookie, or `Authorization: Bearer TOKEN`
/// (scripts). The Host header must name loopback with the dashboard's port, so a page from
/// elsewhere cannot reach the dashboard through DNS rebinding.
struct DashboardAccess: Sendable {
    let token: String
    let port: Int

    var cookieName: String { "apphost_dashboard_\(port)" }

    /// The names this server answers to: loopback, with its port.
    private var authorities: [String] { ["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)"] }

    /// Why `request` is refused, if it is.
    func refusal(_ request: Request) -> Response? {
        guard namesThisServer(request) else {
            return DashboardResponse.text(.forbidden, "The dashboard answers only to localhost:\(port).")
        }
        let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let given = bearer ?? request.cookies[cookieName]?.value ?? ""
        guard Self.equalInConstantTime(given, token) else {
            return DashboardResponse.text(.unauthorized, "Open the dashboard with the link `apphost run` printed (it carries the token).")
        }
        return nil
    }

    /// A refusal for a request that changes something and comes from another origin. The
    /// SameSite=Strict cookie already keeps other sites out; this also holds for a site on
    /// another port of localhost, which counts as the same site.
    func refusalOfCrossOrigin(_ request: Request) -> Response? {
        guard let origin = request.headers[.origin] else { return nil }
        return authorities.map { "http://" + $0 }.contains(origin.lowercased()) ? nil : DashboardResponse.text(.forbidden, "requests from \(origin) may not change anything here")
    }

    /// The answer to `/?t=TOKEN`: the cookie and a redirect to `/`, or nil if the token is wrong.
    func login(_ request: Request) -> Response? {
        guard let given = request.uri.queryParameters["t"].map(String.init), Self.equalInConstantTime(given, token),
              namesThisServer(request) else { return nil }
        var response = Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
        response.setCookie(Cookie(name: cookieName, value: token, path: "/", httpOnly: true, sameSite: .strict))
        return response
    }

    /// Whether the Host header names loopback and this port.
    private func namesThisServer(_ request: Request) -> Bool {
        // HTTP/1 requests carry the Host header as the authority.
        let host = (request.head.authority ?? "").lowercased()
        return authorities.contains(host)
    }

    /// Compares without stopping at the first difference, so timing tells nothing of the token.
    static func equalInConstantTime(_ given: String, _ expected: String) -> Bool {
        let given = Array(given.utf8), expected = Array(expected.utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
