@testable import Resources
import Testing

@Suite("Publishing")
struct PublishingTests {
    @Test("Bicep strings escape quotes, backslashes and interpolation", arguments: [
        ("plain", "'plain'"),
        ("it's", "'it\\'s'"),
        ("C:\\path", "'C:\\\\path'"),
        ("cost ${x}", "'cost \\${x}'"),
        ("{hub}/{event}", "'{hub}/{event}'"),
        ("line\nbreak", "'line\\nbreak'"),
    ])
    func bicepStrings(text: String, literal: String) {
        #expect(BicepSyntax.string(text) == literal)
    }

    @Test("Parameter names are camel case and identifiers use underscores")
    func names() {
        #expect(BicepSyntax.parameterName("api", "Url") == "apiUrl")
        #expect(BicepSyntax.parameterName("chat-api", "Url") == "chatApiUrl")
        #expect(BicepSyntax.parameterName("MyHub", "ResourceGroup") == "myHubResourceGroup")
        #expect(BicepSyntax.identifier("chat-hub") == "chat_hub")
    }

    @Test("A literal ${ in an upstream URL cannot become a Bicep interpolation")
    func literalDollarInUpstream() throws {
        let model = try validModel("""
            resources:
              hub:
                type: signalr
                mode: Serverless
                upstream:
                  - urlTemplate: "https://example.com/$${secret}/{event}"
            """)
        let module = try #require(BicepPublisher(model: model).files().first { $0.path == "hub/hub.bicep" })
        #expect(module.contents.contains("urlTemplate: 'https://example.com/\\${secret}/{event}'"))
    }

    @Test("Generated Bicep is recognised by its header; JSON by the manifest that lists it")
    func generatedMarkers() throws {
        let model = try validModel("resources:\n  hub: { type: signalr, mode: Serverless }\n")
        let files = BicepPublisher(model: model).files()
        let manifest = try #require(files.last?.contents)
        for file in files {
            #expect(BicepPublisher.isGenerated(path: file.path, contents: file.contents, manifest: manifest))
        }
        #expect(!BicepPublisher.isGenerated(path: "main.bicep", contents: "targetScope = 'subscription'\n", manifest: manifest))
        #expect(!BicepPublisher.isGenerated(path: "main.parameters.json", contents: "{}", manifest: nil))
        #expect(!BicepPublisher.isGenerated(path: "main.parameters.json", contents: "{}", manifest: "{\"files\": [\"main.parameters.json\"]}"))
    }

    @Test("An upstream URL naming a SignalR resource is an error")
    func upstreamNamesSignalR() throws {
        let diagnostic = try #require(singleError("""
            resources:
              hub:
                type: signalr
                mode: Serverless
                upstream: ["{hub.url}/x"]
            """))
        #expect(diagnostic.message == "an upstream URL can name projects only; 'hub' is a SignalR resource")
        #expect(diagnostic.position == "5:17")
    }
}
