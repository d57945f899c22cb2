@testable import Resources
import Testing

/// The pieces of a deployment to Container Apps: placeholders turned into Bicep, paths between
/// folders, the runtime a command starts, and the model keys of a published project.
@Suite("Deployment to Container Apps")
struct DeploymentTests {
    @Test("A lone placeholder is the module parameter itself; text around one makes an interpolated string")
    func interpolation() {
        let lone = BicepInterpolation("{signalr.outputs.hostName}")
        #expect(lone.expression == "signalr_outputs_hostname")
        #expect(lone.parameters.map(\.source) == ["signalr.outputs.hostName"])
        let text = BicepInterpolation("Endpoint=https://{chat-hub.outputs.hostName};ClientId={api-identity.outputs.clientId};")
        #expect(text.expression == "'Endpoint=https://${chat_hub_outputs_hostname};ClientId=${api_identity_outputs_clientid};'")
        #expect(text.parameters.map(\.name) == ["chat_hub_outputs_hostname", "api_identity_outputs_clientid"])
        #expect(text.parameters.map(\.placeholder) == ["{chat-hub.outputs.hostName}", "{api-identity.outputs.clientId}"])
    }

    @Test("The tenant is Bicep's own function, a secret a secure parameter, and unknown braces stay text")
    func otherPlaceholders() {
        #expect(BicepInterpolation("{azure.tenantId}").expression == "tenant().tenantId")
        #expect(BicepInterpolation("{azure.tenantId}").parameters.isEmpty)
        let secret = BicepInterpolation("{apiApiKey.value}")
        #expect(secret.expression == "apiApiKey")
        #expect(secret.parameters.first?.isSecure == true)
        #expect(BicepInterpolation("{hub}/{event}?x='1'").expression == "'{hub}/{event}?x=\\'1\\''")
        #expect(BicepInterpolation("cost ${x} {").expression == "'cost \\${x} {'")
    }

    @Test("Paths between folders go up and down as needed", arguments: [
        ("api", "infra/api/Dockerfile", "../infra/api/Dockerfile"),
        ("services/api", "infra/api/Dockerfile", "../../infra/api/Dockerfile"),
        (".", "infra/api/Dockerfile", "infra/api/Dockerfile"),
        ("services/admin", "services/admin/Dockerfile", "Dockerfile"),
        ("./api", "./api", "."),
    ])
    func relativePaths(from: String, to: String, expected: String) {
        #expect(PublishLayout.relativePath(from: from, to: to) == expected)
    }

    @Test("The runtime comes from the command's program", arguments: [
        ("python3 app.py", DockerfileRecipe.Runtime.python), ("/usr/bin/python3.12 -m api", .python), ("uvicorn main:app", .python),
        ("node app.js", .node), ("npm start", .node),
    ])
    func runtimes(command: String, runtime: DockerfileRecipe.Runtime) throws {
        let model = try #require(load("resources:\n  api: { type: project, command: \(command) }\n").model)
        #expect(DockerfileRecipe.runtime(of: model.projects[0]) == runtime)
    }

    @Test("A command that is neither Python nor Node.js has no runtime", arguments: ["java -jar api.jar", "./api", "dotnet run"])
    func noRuntime(command: String) throws {
        let model = try #require(load("resources:\n  api: { type: project, command: \(command) }\n").model)
        #expect(DockerfileRecipe.runtime(of: model.projects[0]) == nil)
        #expect(BicepPublisher(model: model).problems().map(\.message)
            == ["apphost cannot make a container image of project 'api': '\(command.split(separator: " ")[0])' is neither Python nor Node.js"])
    }

    @Test("image, dockerfile and the replica bounds are read from the model")
    func containerKeys() throws {
        let model = try #require(load("""
            resources:
              api: { type: project, command: node app.js, image: "ghcr.io/me/api:1", minReplicas: 0, maxReplicas: 3 }
              web: { type: project, command: node web.js, dockerfile: web/Dockerfile }
              job: { type: project, command: python3 job.py }
            """).model)
        #expect(model.projects.map(\.container) == [.image("ghcr.io/me/api:1"), .dockerfile("web/Dockerfile"), .generated])
        #expect(model.projects.map(\.minReplicas) == [0, 1, 1])
        #expect(model.projects.map(\.maxReplicas) == [3, 10, 10])
    }

    @Test("Replica counts outside Azure's range are located errors")
    func replicaRange() {
        let error = singleError("resources:\n  api: { type: project, command: node a.js, maxReplicas: 0 }\n")
        #expect(error?.description == "apphost.yaml:2:58: error: 'maxReplicas' must be a number of replicas (an integer from 1 to 1000), not 0")
    }

    @Test("Two resources whose modules would share a folder are refused")
    func moduleClash() throws {
        let model = try #require(load("""
            resources:
              api: { type: project, command: node app.js }
              api-identity: { type: project, command: node other.js }
            """).model)
        #expect(BicepPublisher(model: model).problems().map(\.message).contains("'api-identity' and 'api' would both be published as api-identity/api-identity.bicep"))
    }
}
