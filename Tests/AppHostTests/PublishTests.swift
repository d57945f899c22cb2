import Foundation
import Testing

/// `apphost publish --bicep`: golden files, a real Bicep parser, and refusals.
@Suite("apphost publish --bicep")
struct PublishTests {
    typealias AppHost = AppHostProcess

    static let cases = ["default-resource", "serverless-upstream", "two-resources-two-projects", "existing-resource", "keyless-upstream"]

    static func model(_ name: String) -> String {
        AppHost.fixtures.appendingPathComponent("publish/\(name)/apphost.yaml").path
    }

    /// Publishes `model` into a new temporary folder and returns it.
    static func publish(_ model: String) throws -> URL {
        let folder = try AppHost.temporaryFolder([:]).appendingPathComponent("infra")
        let result = try AppHost.run(["publish", "--bicep", "-f", model, "-o", folder.path])
        #expect(result.status == 0, "\(result.stderr)")
        return folder
    }

    /// Every file under `folder`, by relative path.
    static func files(in folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            files[String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))] = try Data(contentsOf: url)
        }
        return files
    }

    /// Parses Bicep files with pycep-parser (installed by scripts/test) and returns its JSON.
    static func parseBicep(_ files: [URL]) throws -> [String: Any] {
        let python = ProcessInfo.processInfo.environment["APPHOST_TEST_PYTHON"] ?? "python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, AppHost.repository.appendingPathComponent("Tests/Scripts/bicep_structure.py").path] + files.map(\.path)
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "pycep-parser failed (run scripts/test, which installs it): \(errors)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("Output matches the golden files byte for byte", arguments: cases)
    func goldenFiles(name: String) throws {
        let folder = try Self.publish(Self.model(name))
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let expected = try Self.files(in: AppHost.fixtures.appendingPathComponent("publish/\(name)/expected"))
        let actual = try Self.files(in: folder)
        #expect(actual.keys.sorted() == expected.keys.sorted())
        for (path, data) in expected {
            #expect(actual[path] == data, "\(path) differs from the golden file")
        }
    }

    @Test("The same model gives byte-identical files", arguments: cases)
    func deterministic(name: String) throws {
        let first = try Self.publish(Self.model(name)), second = try Self.publish(Self.model(name))
        defer {
            try? FileManager.default.removeItem(at: first.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: second.deletingLastPathComponent())
        }
        #expect(try Self.files(in: first) == Self.files(in: second))
    }

    @Test("Every generated Bicep file parses with a real Bicep parser", arguments: cases)
    func everyFileParses(name: String) throws {
        let folder = try Self.publish(Self.model(name))
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let bicep = try Self.files(in: folder).keys.filter { $0.hasSuffix(".bicep") }.sorted()
        let parsed = try Self.parseBicep(bicep.map { folder.appendingPathComponent($0) })
        #expect(parsed.count == bicep.count)
        for case let (_, document as [String: Any]) in parsed {
            let header = document["globals"] as? [String: Any]
            #expect(header != nil)
        }
    }

    @Test("The Serverless resource parses to the model's type, mode, sku, upstream and roles")
    func serverlessStructure() throws {
        let folder = try Self.publish(Self.model("serverless-upstream"))
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let module = folder.appendingPathComponent("chat-hub/chat-hub.bicep")
        let roles = folder.appendingPathComponent("chat-hub-roles/chat-hub-roles.bicep")
        let parsed = try Self.parseBicep([module, roles])
        let resources = try #require((parsed[module.path] as? [String: Any])?["resources"] as? [String: Any])
        let hub = try #require(resources["chat_hub"] as? [String: Any])
        #expect(hub["type"] as? String == "Microsoft.SignalRService/signalR")
        #expect(hub["api_version"] as? String == "2024-03-01")
        #expect(hub["existing"] as? Bool == false)
        let config = try #require(hub["config"] as? [String: Any])
        #expect(config["kind"] as? String == "SignalR")
        let sku = try #require(config["sku"] as? [String: Any])
        #expect(sku["name"] as? String == "Standard_S1")
        #expect(sku["capacity"] as? Int == 2)
        let properties = try #require(config["properties"] as? [String: Any])
        let features = try #require(properties["features"] as? [[String: Any]])
        #expect(features.map { $0["flag"] as? String } == ["ServiceMode"])
        #expect(features.map { $0["value"] as? String } == ["Serverless"])
        #expect(properties["disableLocalAuth"] as? Bool == true)
        #expect((properties["cors"] as? [String: Any])?["allowedOrigins"] as? [String] == ["https://chat.example.com", "https://admin.example.com"])
        let templates = try #require((properties["upstream"] as? [String: Any])?["templates"] as? [[String: Any]])
        #expect(templates.map { $0["urlTemplate"] as? String } == [
            "${chatApiUrl}/api/upstream/{hub}/{category}/{event}", "${auditUrl}/audit/{event}?source=\\'signalr\\'",
        ])
        #expect(templates.map { $0["hubPattern"] as? String } == ["chat", "*"])
        #expect(templates.map { $0["eventPattern"] as? String } == ["connected,disconnected,sendMessage", "*"])
        let roleResources = try #require((parsed[roles.path] as? [String: Any])?["resources"] as? [String: Any])
        let roleIDs = roleResources.values.compactMap { resource -> String? in
            guard let resource = resource as? [String: Any], resource["type"] as? String == "Microsoft.Authorization/roleAssignments" else { return nil }
            let roleDefinition = ((resource["config"] as? [String: Any])?["properties"] as? [String: Any])?["roleDefinitionId"] as? [String: Any]
            return ((roleDefinition?["function"] as? [String: Any])?["parameters"] as? [String: Any])?["resource_name_1"] as? String
        }
        #expect(Set(roleIDs) == ["420fcaa2-552c-430f-98ca-3264be4806c7", "fd53cd77-2268-407a-8f46-7e7863d0f521"])
        let everything = try Self.files(in: folder).values.map { String(decoding: $0, as: UTF8.self) }.joined()
        #expect(!everything.contains("8888"), "the emulator port leaked into the deployment")
        #expect(!everything.contains("local-only-key"), "the emulator access key leaked into the deployment")
    }

    @Test("A Default resource gets the App Server role only, and no upstream")
    func defaultStructure() throws {
        let folder = try Self.publish(Self.model("default-resource"))
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let module = folder.appendingPathComponent("signalr/signalr.bicep")
        let roles = folder.appendingPathComponent("signalr-roles/signalr-roles.bicep")
        let parsed = try Self.parseBicep([module, roles])
        let signalr = try #require(((parsed[module.path] as? [String: Any])?["resources"] as? [String: Any])?["signalr"] as? [String: Any])
        let properties = try #require((signalr["config"] as? [String: Any])?["properties"] as? [String: Any])
        #expect((properties["features"] as? [[String: Any]])?.first?["value"] as? String == "Default")
        #expect(properties["upstream"] == nil)
        let roleResources = try #require((parsed[roles.path] as? [String: Any])?["resources"] as? [String: Any])
        #expect(roleResources.keys.sorted() == ["signalr", "signalr_SignalRAppServer"])
    }

    @Test("main.bicep is at subscription scope with the azd parameters, a resource group, modules and outputs")
    func mainStructure() throws {
        let folder = try Self.publish(Self.model("two-resources-two-projects"))
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let main = folder.appendingPathComponent("main.bicep")
        let parsed = try #require(try Self.parseBicep([main])[main.path] as? [String: Any])
        #expect(((parsed["globals"] as? [String: Any])?["scope"] as? [String: Any])?["value"] as? String == "subscription")
        let parameters = try #require(parsed["parameters"] as? [String: Any])
        #expect(Set(parameters.keys) == ["environmentName", "location", "principalId", "principalType"])
        #expect((parameters["principalType"] as? [String: Any])?["default"] as? String == "User")
        let rg = try #require((parsed["resources"] as? [String: Any])?["rg"] as? [String: Any])
        #expect(rg["type"] as? String == "Microsoft.Resources/resourceGroups")
        #expect((rg["config"] as? [String: Any])?["name"] as? String == "rg-${environmentName}")
        let modules = try #require(parsed["modules"] as? [String: Any])
        #expect(Set(modules.keys) == ["notifications", "notifications_roles", "dashboard", "dashboard_roles"])
        let outputs = try #require(parsed["outputs"] as? [String: Any])
        #expect(Set(outputs.keys) == ["AZURE_RESOURCE_GROUP", "NOTIFICATIONS_HOSTNAME", "NOTIFICATIONS_URI", "DASHBOARD_HOSTNAME", "DASHBOARD_URI"])
        let parametersFile = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("main.parameters.json"))) as? [String: Any]
        let values = (parametersFile?["parameters"] as? [String: [String: String]])?.mapValues { $0["value"] }
        #expect(values == ["environmentName": "${AZURE_ENV_NAME}", "location": "${AZURE_LOCATION}", "principalId": "${AZURE_PRINCIPAL_ID}"])
    }

    @Test("An existing resource is referenced, not created")
    func existingStructure() throws {
        let folder = try Self.publish(Self.model("existing-resource"))
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let module = folder.appendingPathComponent("shared-hub/shared-hub.bicep")
        let parsed = try Self.parseBicep([module])
        let hub = try #require(((parsed[module.path] as? [String: Any])?["resources"] as? [String: Any])?["shared_hub"] as? [String: Any])
        #expect(hub["existing"] as? Bool == true)
        #expect((hub["config"] as? [String: Any])?["name"] as? String == "contoso-prod")
        #expect(Set(((parsed[module.path] as? [String: Any])?["outputs"] as? [String: Any])?.keys ?? [:].keys) == ["hostName", "name", "id"])
    }

    @Test("The manifest's project environment is what env --publish prints")
    func manifestMatchesEnv() throws {
        let model = Self.model("two-resources-two-projects")
        let folder = try Self.publish(model)
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("apphost-manifest.json"))) as? [String: Any]
        let resources = try #require(manifest?["resources"] as? [String: Any])
        let env = try AppHost.run(["env", "-f", model, "--publish", "--format", "json", "--show-secrets"])
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(env.stdout.utf8)) as? [String: [String: String]])
        for project in ["api", "web"] {
            #expect((resources[project] as? [String: Any])?["env"] as? [String: String] == printed[project])
        }
    }

    @Test("An invalid sku and capacity pair is a located error at publish and nothing is written")
    func invalidCapacity() throws {
        let folder = try AppHost.temporaryFolder(["apphost.yaml": "resources:\n  hub:\n    type: signalr\n    mode: Serverless\n    sku: Premium_P2\n    capacity: 150\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["publish", "--bicep"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("apphost.yaml:6:15: error: capacity 150 is not available for sku Premium_P2\n    hint: Premium_P2 allows 100, 200, 300 … 1000\n"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("infra").path))
        #expect(try AppHost.run(["validate"], in: folder).status == 1)
    }

    @Test("An output folder that is a file is refused")
    func outputIsAFile() throws {
        let folder = try AppHost.temporaryFolder(["infra": "not a folder"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["publish", "--bicep", "-f", Self.model("default-resource"), "-o", folder.appendingPathComponent("infra").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("is a file, not a folder"))
    }

    @Test("A file apphost did not write is never overwritten without --force", arguments: ["main.bicep", "main.parameters.json"])
    func foreignFileInTheWay(file: String) throws {
        let folder = try AppHost.temporaryFolder(["infra/\(file)": "// my own\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let infra = folder.appendingPathComponent("infra")
        let refused = try AppHost.run(["publish", "--bicep", "-f", Self.model("default-resource"), "-o", infra.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(infra.path)/\(file) was not written by apphost; nothing was written"))
        #expect(try Self.files(in: infra).keys.sorted() == [file])
        #expect(try String(contentsOf: infra.appendingPathComponent(file), encoding: .utf8) == "// my own\n")
        let forced = try AppHost.run(["publish", "--bicep", "--force", "-f", Self.model("default-resource"), "-o", infra.path])
        #expect(forced.status == 0)
        #expect(try Self.files(in: infra).count == 5)
    }

    @Test("Publishing again over apphost's own output replaces it")
    func republish() throws {
        let folder = try Self.publish(Self.model("default-resource"))
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let again = try AppHost.run(["publish", "--bicep", "-f", Self.model("serverless-upstream"), "-o", folder.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("next: azd provision"))
        #expect(again.stdout.contains("removed \(folder.path)/signalr/signalr.bicep (its resource is no longer in the model)"))
        #expect(try Self.files(in: folder).keys.sorted() == [
            "apphost-manifest.json", "chat-hub-roles/chat-hub-roles.bicep", "chat-hub/chat-hub.bicep", "main.bicep", "main.parameters.json",
        ])
    }

    @Test("publish without a format is a user error")
    func formatRequired() throws {
        let result = try AppHost.run(["publish"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--bicep"))
    }
}
