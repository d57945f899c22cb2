/// The dashboard's page, its style sheet and its scripts: the files of dashboard/, carried in
/// the executable by scripts/embed-dashboard (``DashboardAssets``) and served apart, so that the
/// content security policy can forbid inline scripts and styles.
enum DashboardPage {
    /// Scripts and connections from this origin only; no frames, no plugins.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The page for the application called `title` (dashboard/index.html).
    static func html(title: String) -> String {
        (DashboardAssets.files["index.html"] ?? "").replacingOccurrences(of: "{{title}}", with: escape(title))
    }

    /// The style sheet and scripts the page loads, by path, with their media types.
    static let assets: [String: (contentType: String, body: String)] = [
        "/dashboard.css": ("text/css; charset=utf-8", DashboardAssets.files["dashboard.css"] ?? ""),
        "/dashboard.js": ("text/javascript; charset=utf-8", DashboardAssets.files["dashboard.js"] ?? ""),
        "/telemetry.js": ("text/javascript; charset=utf-8", DashboardAssets.files["telemetry.js"] ?? ""),
    ]

    /// `text` safe inside HTML.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
