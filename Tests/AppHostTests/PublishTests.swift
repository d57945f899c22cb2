import Foundation
import Testing

/// `apphost publish --bicep`: golden files, a real Bicep parser, and refusals.
@Suite("apphost publish --bicep")
struct PublishTests {
    typealias AppHost = AppHostProcess

    static let cases = ["default-resource", "serverless-upstream", "two-resources-two-projects", "existing-resource", "keyless-upstream",
                        "whole-application"]

    static func fixture(_ name: String) -> URL {
        AppHost.fixtures.appendingPathComponent("publish/\(name)")
    }

    /// The fixture's own apphost.yaml: only for models without projects, which write no azure.yaml beside it.
    static func model(_ name: String) -> String {
        fixture(name).appendingPathComponent("apphost.yaml").path
    }

    /// A copy of fixture `name` (its apphost.yaml and project folders, not its expected output)
    /// in a new temporary folder, so azure.yaml is written there and not into the repository.
    static func copy(_ name: String) throws -> URL {
        let folder = try AppHost.temporaryFolder([:])
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for item in try FileManager.default.contentsOfDirectory(atPath: fixture(name).path) where item != "expected" {
            try FileManager.default.copyItem(at: fixture(name).appendingPathComponent(item), to: folder.appendingPathComponent(item))
        }
        return folder
    }

    /// Publishes fixture `name` from a copy into its `infra` folder and returns the copy.
    static func publish(_ name: String) throws -> URL {
        let folder = try copy(name)
        let result = try AppHost.run(["publish", "--bicep", "-f", folder.appendingPathComponent("apphost.yaml").path,
                                      "-o", folder.appendingPathComponent("infra").path])
        #expect(result.status == 0, "\(result.stderr)")
        return folder
    }

    /// The files publishing wrote: `infra/…` and `azure.yaml`.
    static func output(of folder: URL) throws -> [String: Data] {
        var files = try Self.files(in: folder.appendingPathComponent("infra")).reduce(into: [:]) { $0["infra/" + $1.key] = $1.value }
        files["azure.yaml"] = FileManager.default.contents(atPath: folder.appendingPathComponent("azure.yaml").path)
        return files
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
        let folder = try Self.publish(name)
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try Self.files(in: Self.fixture(name).appendingPathComponent("expected"))
        let actual = try Self.output(of: folder)
        #expect(actual.keys.sorted() == expected.keys.sorted())
        for (path, data) in expected {
            #expect(actual[path] == data, "\(path) differs from the golden file")
        }
    }

    @Test("The same model gives byte-identical files", arguments: cases)
    func deterministic(name: String) throws {
        let first = try Self.publish(name), second = try Self.publish(name)
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        #expect(try Self.output(of: first) == Self.output(of: second))
    }

    @Test("Every generated Bicep file parses with a real Bicep parser", arguments: cases)
    func everyFileParses(name: String) throws {
        let folder = try Self.publish(name).appendingPathComponent("infra")
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
        let folder = try Self.publish("serverless-upstream").appendingPathComponent("infra")
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
            "https://chat-api.${env_outputs_azure_container_apps_environment_default_domain}/api/upstream/{hub}/{category}/{event}",
            "https://audit.${env_outputs_azure_container_apps_environment_default_domain}/audit/{event}?source=\\'signalr\\'",
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
        let folder = try Self.publish("default-resource").appendingPathComponent("infra")
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
        let folder = try Self.publish("two-resources-two-projects").appendingPathComponent("infra")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let main = folder.appendingPathComponent("main.bicep")
        let parsed = try #require(try Self.parseBicep([main])[main.path] as? [String: Any])
        #expect(((parsed["globals"] as? [String: Any])?["scope"] as? [String: Any])?["value"] as? String == "subscription")
        let parameters = try #require(parsed["parameters"] as? [String: Any])
        #expect(Set(parameters.keys) == ["environmentName", "location", "principalId", "principalType", "apiImage", "webImage"])
        #expect((parameters["principalType"] as? [String: Any])?["default"] as? String == "User")
        let rg = try #require((parsed["resources"] as? [String: Any])?["rg"] as? [String: Any])
        #expect(rg["type"] as? String == "Microsoft.Resources/resourceGroups")
        #expect((rg["config"] as? [String: Any])?["name"] as? String == "rg-${environmentName}")
        let modules = try #require(parsed["modules"] as? [String: Any])
        #expect(Set(modules.keys) == [
            "env", "notifications", "notifications_roles", "dashboard", "dashboard_roles",
            "api_identity", "api_roles_notifications", "api", "web_identity", "web_roles_dashboard", "web_roles_notifications", "web",
        ])
        let outputs = try #require(parsed["outputs"] as? [String: Any])
        #expect(Set(outputs.keys) == [
            "AZURE_RESOURCE_GROUP", "NOTIFICATIONS_HOSTNAME", "NOTIFICATIONS_URI", "DASHBOARD_HOSTNAME", "DASHBOARD_URI",
            "AZURE_LOG_ANALYTICS_WORKSPACE_NAME", "AZURE_LOG_ANALYTICS_WORKSPACE_ID", "AZURE_CONTAINER_REGISTRY_NAME",
            "AZURE_CONTAINER_REGISTRY_ENDPOINT", "AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID", "AZURE_CONTAINER_APPS_ENVIRONMENT_NAME",
            "AZURE_CONTAINER_APPS_ENVIRONMENT_ID", "AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN", "SERVICE_API_URI", "SERVICE_WEB_URI",
        ])
        let parametersFile = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("main.parameters.json"))) as? [String: Any]
        let values = (parametersFile?["parameters"] as? [String: [String: String]])?.mapValues { $0["value"] }
        #expect(values == [
            "environmentName": "${AZURE_ENV_NAME}", "location": "${AZURE_LOCATION}", "principalId": "${AZURE_PRINCIPAL_ID}",
            "apiImage": "${SERVICE_API_IMAGE_NAME}", "webImage": "${SERVICE_WEB_IMAGE_NAME}",
        ])
    }

    @Test("An existing resource is referenced, not created")
    func existingStructure() throws {
        let folder = try Self.publish("existing-resource").appendingPathComponent("infra")
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
        let folder = try Self.publish("whole-application")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("infra/apphost-manifest.json"))) as? [String: Any]
        let resources = try #require(manifest?["resources"] as? [String: Any])
        let env = try AppHost.run(["env", "-f", folder.appendingPathComponent("apphost.yaml").path, "--publish", "--format", "json"])
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(env.stdout.utf8)) as? [String: [String: String]])
        #expect(printed["api"]?["API_SIGNING_KEY"] == "{apiApiSigningKey.value}", "a secret is a deployment parameter, not its local value")
        #expect(printed["web"]?["services__api__http__0"] == "https://api.{env.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN}")
        #expect(printed["worker"]?["ConnectionStrings__signalr"]
            == "Endpoint=https://{signalr.outputs.hostName};AuthType=azure.msi;ClientId={worker-identity.outputs.clientId};Version=1.0;")
        for project in ["api", "web", "worker"] {
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

    @Test("Publishing again over apphost's own output replaces it and removes the files of removed resources")
    func republish() throws {
        let folder = try Self.publish("whole-application")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("apphost.yaml")
        let text = try String(contentsOf: model, encoding: .utf8)
        let withoutWeb = text.replacingOccurrences(of: #"(?s)  web:\n.*?(?=  worker:)"#, with: "", options: .regularExpression)
        #expect(withoutWeb != text)
        try withoutWeb.write(to: model, atomically: true, encoding: .utf8)
        let again = try AppHost.run(["publish", "--bicep", "-f", model.path, "-o", folder.appendingPathComponent("infra").path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("next: azd up"))
        for removed in ["web/web.bicep", "web/Dockerfile", "web-identity/web-identity.bicep", "web-roles-dashboard/web-roles-dashboard.bicep"] {
            #expect(again.stdout.contains("removed \(folder.appendingPathComponent("infra").path)/\(removed) (its resource is no longer in the model)"))
        }
        let files = try Self.output(of: folder).keys
        #expect(!files.contains { $0.hasPrefix("infra/web") })
        #expect(files.contains("infra/api/Dockerfile"))
        let azure = try String(contentsOf: folder.appendingPathComponent("azure.yaml"), encoding: .utf8)
        #expect(!azure.contains("  web:") && azure.contains("  api:") && azure.contains("  worker:"))
    }

    @Test("An azure.yaml apphost did not write is never overwritten without --force")
    func foreignAzureYAML() throws {
        let folder = try Self.copy("whole-application")
        defer { try? FileManager.default.removeItem(at: folder) }
        try "name: mine\n".write(to: folder.appendingPathComponent("azure.yaml"), atomically: true, encoding: .utf8)
        let refused = try AppHost.run(["publish", "--bicep"], in: folder)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("azure.yaml was not written by apphost; nothing was written"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("infra").path))
        #expect(try String(contentsOf: folder.appendingPathComponent("azure.yaml"), encoding: .utf8) == "name: mine\n")
        let forced = try AppHost.run(["publish", "--bicep", "--force"], in: folder)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOf: folder.appendingPathComponent("azure.yaml"), encoding: .utf8).hasPrefix("# Generated by apphost"))
    }

    @Test("A project apphost cannot containerize is a located error naming the keys to add, and nothing is written")
    func notContainerizable() throws {
        let folder = try AppHost.temporaryFolder(["apphost.yaml": "resources:\n  tool:\n    type: project\n    command: java -jar tool.jar\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["publish", "--bicep"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("""
            apphost.yaml:4:14: error: apphost cannot make a container image of project 'tool': 'java' is neither Python nor Node.js
                hint: add 'image:' (an image to deploy as is) or 'dockerfile:' (a Dockerfile to build, relative to apphost.yaml)
            """))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["apphost.yaml"])
        #expect(try AppHost.run(["validate"], in: folder).status == 0, "the model still runs locally")
    }

    @Test("A project name longer than a container app name is refused at publish, not at run")
    func nameTooLong() throws {
        let name = "notifications-fan-out-worker-eu-west"
        let folder = try AppHost.temporaryFolder(["apphost.yaml": "resources:\n  \(name):\n    type: project\n    command: node worker.js\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["publish", "--bicep"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("apphost.yaml:2:3: error: project name '\(name)' is longer than the 32 characters of a container app name"))
        #expect(try AppHost.run(["validate"], in: folder).status == 0)
    }

    @Test("image and dockerfile together, and minReplicas above maxReplicas, are located errors")
    func containerKeysContradict() throws {
        let folder = try AppHost.temporaryFolder(["apphost.yaml": """
            resources:
              api:
                type: project
                command: node app.js
                image: ghcr.io/contoso/api:1
                dockerfile: api/Dockerfile
                minReplicas: 4
                maxReplicas: 2
            """])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AppHost.run(["validate"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("apphost.yaml:6:17: error: 'api' has both 'image' and 'dockerfile'"))
        #expect(result.stderr.contains("apphost.yaml:7:18: error: 'minReplicas' (4) is more than 'maxReplicas' (2)"))
    }

    @Test("publish without a format is a user error")
    func formatRequired() throws {
        let result = try AppHost.run(["publish"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--bicep"))
    }
}
