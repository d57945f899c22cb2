import Foundation
import Resources

/// Keeps the ids of each project's local managed identity in `.apphost/identities/<project>`
/// (a client id and an object id, random UUIDs made once), so role assignments and logs name
/// the same principal from one run to the next; the header secret is new for each run.
struct IdentityStore: IdentityProvider {
    /// `.apphost/` beside apphost.yaml.
    let stateFolder: URL
    /// `IDENTITY_HEADER` of each project in this run.
    private let headers: [String: String]

    /// A store in `stateFolder`, with a new header secret for each of `projects`.
    init(stateFolder: URL, projects: [String]) {
        self.stateFolder = stateFolder
        headers = Dictionary(uniqueKeysWithValues: projects.map { ($0, Self.newHeader()) })
    }

    var folder: URL { stateFolder.appendingPathComponent("identities", isDirectory: true) }

    func identity(for project: String) throws -> ManagedIdentityValues {
        let file = folder.appendingPathComponent(project)
        let header = headers[project] ?? Self.newHeader()
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            let ids = text.split(whereSeparator: \.isWhitespace).map(String.init)
            if ids.count == 2, ids.allSatisfy({ UUID(uuidString: $0) != nil }) {
                return ManagedIdentityValues(clientID: ids[0], objectID: ids[1], header: header)
            }
        }
        try prepareFolder()
        let made = ManagedIdentityValues(clientID: UUID().uuidString.lowercased(), objectID: UUID().uuidString.lowercased(), header: header)
        do {
            try PrivateFile.write(Data("\(made.clientID) \(made.objectID)\n".utf8), to: file.path)
        } catch {
            throw KeyStoreError(path: file.path, reason: error.reason, what: "a managed identity")
        }
        return made
    }

    /// The tenant id, made once and kept in `.apphost/identities/.tenant` (no resource name
    /// starts with a dot).
    func tenantID() throws -> String {
        let file = folder.appendingPathComponent(".tenant")
        if let text = try? String(contentsOf: file, encoding: .utf8), UUID(uuidString: text.trimmingCharacters(in: .whitespacesAndNewlines)) != nil {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try prepareFolder()
        let tenant = UUID().uuidString.lowercased()
        do { try PrivateFile.write(Data("\(tenant)\n".utf8), to: file.path) } catch {
            throw KeyStoreError(path: file.path, reason: error.reason, what: "the tenant id")
        }
        return tenant
    }

    private func prepareFolder() throws {
        try AccessKeyStore.prepareStateFolder(stateFolder)
        if mkdir(folder.path, 0o700) != 0 && errno != EEXIST {
            throw KeyStoreError(path: folder.path, reason: String(cString: strerror(errno)), what: "a managed identity")
        }
    }

    /// 32 random bytes in hex.
    private static func newHeader() -> String {
        AccessKeyStore.randomHex(32)
    }
}
