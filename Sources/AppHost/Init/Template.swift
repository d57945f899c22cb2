/// A starting point `apphost init` writes out: an apphost.yaml and the apps it runs. The files
/// are kept in the executable (`EmbeddedTemplates.swift`, generated from `templates/`), so
/// `init` works wherever apphost is installed.
struct Template: Sendable {
    /// The name `--template` takes: the folder's name under `templates/`.
    let name: String
    /// One line for `--list`.
    let summary: String
    /// Every file, with paths relative to the new application's folder.
    let files: [TemplateFile]

    /// The template used when `--template` is not given.
    static let defaultName = "serverless-chat"

    /// The template called `name`, if there is one.
    static func named(_ name: String) -> Template? {
        all.first { $0.name == name }
    }
}

/// One file of a template.
struct TemplateFile: Sendable {
    /// Relative to the application's folder, with `/` between folders.
    let path: String
    /// Whether it is written with the execute bits set.
    let executable: Bool
    /// Its text.
    let contents: String
}
