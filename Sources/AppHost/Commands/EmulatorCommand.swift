import Access
import ArgumentParser
import Emulator
import Foundation
import Logging

/// `apphost emulator`: the local Azure SignalR Service emulator on its own.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local Azure SignalR Service emulator (Serverless or Default mode) in the foreground.",
        discussion: """
            Prints the connection string on stdout, then serves SignalR clients (WebSockets, \
            Server-Sent Events, long polling; JSON and MessagePack) and the REST API (v1, \
            2022-06-01 and 2024-12-01) on loopback until Ctrl-C or SIGTERM, when it closes every \
            client, tells the upstream of each, and exits 0 within 5 seconds whatever the clients do.

            Information goes to stdout, warnings and errors to stderr.

            Client events go to upstream URL templates ({hub}, {category}, {event} filled in), \
            the first matching template wins.
            """
    )

    @Option(help: "The port to listen on (default: a free one).")
    var port: Int = 0

    @Option(name: .customLong("host"), help: "An address to listen on; repeat for several (default: 127.0.0.1 and ::1).")
    var hosts: [String] = []

    @Option(help: "The access key tokens are signed with (default: $APPHOST_EMULATOR_ACCESS_KEY, else a random one, printed in the connection string).")
    var accessKey: String?

    @Option(name: .customLong("upstream"), help: ArgumentHelp("An upstream URL template matching every hub, event and category; repeat for several.", valueName: "URL_TEMPLATE"))
    var upstreamTemplates: [String] = []

    @Option(help: ArgumentHelp("A JSON file of upstream templates: [{\"urlTemplate\", \"hubPattern\", \"eventPattern\", \"categoryPattern\"}].", valueName: "FILE"))
    var upstreamConfig: String?

    @Option(help: "The token that guards /_apphost/state, /_apphost/events, /_apphost/recent (the newest 500 events, kept only while this is set) and /_apphost/send (default: introspection off).")
    var introspectionToken: String?

    @Option(help: "The largest message accepted, in bytes.")
    var maxMessageSize: Int = 1 << 20

    @Option(help: "Bytes that may wait for one client before it is dropped as too slow.")
    var outboxLimit: Int = 4 << 20

    @Option(help: "Seconds between keep-alive pings to an idle client.")
    var keepAliveInterval: Double = 15

    @Option(help: "Seconds of silence after which a client is dropped.")
    var clientTimeout: Double = 30

    @Option(help: "Seconds a temporary key from /api/auth/accessKey stays valid.")
    var temporaryKeyLifetime: Double = 90 * 60

    @Option(help: "Seconds connections/{id}/:invoke waits for the client's result.")
    var clientInvocationTimeout: Double = 60

    @Option(help: "Seconds a stateful-reconnect client whose socket dropped may take to come back.")
    var reconnectWindow: Double = 15

    @Option(help: "Bytes of messages kept for a stateful-reconnect client until it acknowledges them; a client further behind is closed.")
    var reconnectBufferLimit: Int = 1 << 20

    @Option(help: ArgumentHelp("Accept Microsoft Entra ID tokens signed by this key: base64 of a P-256 public key (SubjectPublicKeyInfo, DER), as apphost run's token service has. Needs --entra-issuer.", valueName: "KEY"))
    var entraPublicKey: String?

    @Option(help: ArgumentHelp("The issuer (iss) of the Entra ID tokens accepted.", valueName: "URL"))
    var entraIssuer: String?

    @Option(name: .customLong("role-assignment"), help: ArgumentHelp("Roles a principal holds: OBJECT_ID=Role,Role with SignalRAppServer, SignalRRestApiOwner, SignalRRestApiReader, SignalRServiceOwner; repeat for several.", valueName: "ASSIGNMENT"))
    var roleAssignments: [String] = []

    @Flag(help: "Refuse tokens signed with the access key, as disableLocalAuth does in Azure (authType: azure).")
    var disableLocalAuth = false

    @Option(help: ArgumentHelp("Serverless (the default) or Default: in Default mode a client is served by an app server's connection (AddAzureSignalR), and refused when none is connected.", valueName: "MODE"))
    var mode: ServiceMode = .serverless

    func validate() throws {
        if (entraPublicKey == nil) != (entraIssuer == nil) { throw ValidationError("--entra-public-key and --entra-issuer go together") }
        if let entraPublicKey, let entraIssuer {
            do { _ = try EntraTokenValidator(publicKey: entraPublicKey, issuer: entraIssuer) } catch { throw ValidationError("--entra-public-key: \(error.reason)") }
        }
        for assignment in roleAssignments where RoleAssignment(argument: assignment) == nil {
            throw ValidationError("--role-assignment '\(assignment)' must be OBJECT_ID=Role,Role with roles among \(SignalRRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if !roleAssignments.isEmpty, entraPublicKey == nil { throw ValidationError("--role-assignment needs --entra-public-key and --entra-issuer") }
        guard reconnectWindow > 0 else { throw ValidationError("--reconnect-window must be positive") }
        guard reconnectBufferLimit >= 1024 else { throw ValidationError("--reconnect-buffer-limit must be at least 1024") }
        guard temporaryKeyLifetime > 0 else { throw ValidationError("--temporary-key-lifetime must be positive") }
        guard clientInvocationTimeout > 0 else { throw ValidationError("--client-invocation-timeout must be positive") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxMessageSize >= 1024 else { throw ValidationError("--max-message-size must be at least 1024") }
        guard outboxLimit >= 1024 else { throw ValidationError("--outbox-limit must be at least 1024") }
        guard keepAliveInterval > 0, clientTimeout > keepAliveInterval else {
            throw ValidationError("--client-timeout must be longer than --keep-alive-interval, and both positive")
        }
        for template in upstreamTemplates where !(template.hasPrefix("http://") || template.hasPrefix("https://")) {
            throw ValidationError("--upstream '\(template)' must be an http:// or https:// URL template")
        }
        if let accessKey, accessKey.isEmpty { throw ValidationError("--access-key cannot be empty") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: ProcessInfo.processInfo.environment["APPHOST_LOG_LEVEL"] ?? "") ?? .info
        LoggingSystem.bootstrap { label in LevelRoutedLogHandler(label: label, level: level) }
        var configuration = EmulatorConfiguration(accessKey: accessKey ?? Self.keyFromEnvironment ?? AccessKeyStore.generateKey())
        if !hosts.isEmpty { configuration.hosts = hosts }
        configuration.port = port
        configuration.upstream = upstreamTemplates.map { UpstreamRule(urlTemplate: $0) } + (try loadUpstreamConfig())
        configuration.introspectionToken = introspectionToken ?? Self.introspectionTokenFromEnvironment
        configuration.maximumMessageSize = maxMessageSize
        configuration.outboxLimit = outboxLimit
        configuration.keepAliveInterval = .milliseconds(Int64(keepAliveInterval * 1000))
        configuration.clientTimeout = .milliseconds(Int64(clientTimeout * 1000))
        configuration.temporaryKeyLifetime = temporaryKeyLifetime
        configuration.reconnectWindow = .milliseconds(Int64(reconnectWindow * 1000))
        configuration.reconnectBufferLimit = reconnectBufferLimit
        configuration.clientInvocationTimeout = .milliseconds(Int64(clientInvocationTimeout * 1000))
        configuration.localAuthDisabled = disableLocalAuth
        configuration.serviceMode = mode
        configuration.managedIdentity = Self.managedIdentityFromEnvironment
        // The standard OpenTelemetry variables, which `apphost run` sets to its dashboard's endpoint.
        configuration.spanExport = SpanExport(environment: ProcessInfo.processInfo.environment, defaultServiceName: "signalr-emulator")
        if let entraPublicKey, let entraIssuer {
            configuration.entra = EntraTrust(validator: try EntraTokenValidator(publicKey: entraPublicKey, issuer: entraIssuer),
                                             assignments: roleAssignments.compactMap(RoleAssignment.init(argument:)))
        }
        let emulator = SignalREmulator(configuration: configuration, logger: Logger(label: "apphost.emulator"))
        let chosenPort: Int
        do { chosenPort = try emulator.resolvedPort() } catch {
            throw CommandFailure.runtimeFailure("error: cannot find a free port: \(error)")
        }
        let key = configuration.accessKey
        let disableLocalAuth = disableLocalAuth
        do {
            try await emulator.run(port: chosenPort) { hosts in
                Console.output(disableLocalAuth ? "Endpoint=http://localhost:\(chosenPort);AuthType=azure;Version=1.0;"
                                                : "Endpoint=http://localhost:\(chosenPort);AccessKey=\(key);Version=1.0;")
                let addresses = hosts.map { $0.contains(":") ? "http://[\($0)]:\(chosenPort)" : "http://\($0):\(chosenPort)" }
                Console.output("SignalR emulator listening on \(addresses.joined(separator: " and ")); Ctrl-C stops it")
            }
        } catch {
            if "\(error)".contains("Address already in use") {
                throw CommandFailure.runtimeFailure("""
                    error: port \(chosenPort) is already in use
                        hint: choose another with --port, or stop the process that holds it
                    """)
            }
            throw CommandFailure.runtimeFailure("error: the emulator cannot serve on port \(chosenPort): \(error)")
        }
    }

    /// The emulator's own managed identity, from the variables Azure gives an app with one
    /// (`apphost run` gives them to an emulator whose upstreams use `auth: ManagedIdentity`).
    private static var managedIdentityFromEnvironment: ManagedIdentityEndpoint? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["IDENTITY_ENDPOINT"], !url.isEmpty, let header = environment["IDENTITY_HEADER"], !header.isEmpty else { return nil }
        return ManagedIdentityEndpoint(url: url, header: header)
    }

    /// The introspection token `apphost run` hands over in the environment, for its dashboard.
    private static var introspectionTokenFromEnvironment: String? {
        ProcessInfo.processInfo.environment[ProcessPlan.introspectionTokenVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The key `apphost run` hands over in the environment, where other users cannot read it.
    private static var keyFromEnvironment: String? {
        ProcessInfo.processInfo.environment["APPHOST_EMULATOR_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    private func loadUpstreamConfig() throws(CommandFailure) -> [UpstreamRule] {
        guard let upstreamConfig else { return [] }
        guard let data = FileManager.default.contents(atPath: upstreamConfig) else {
            throw .userError("error: \(upstreamConfig): no such file")
        }
        let object = try? JSONSerialization.jsonObject(with: data)
        let list = (object as? [[String: Any]]) ?? ((object as? [String: Any])?["upstream"] as? [[String: Any]])
        guard let list else {
            throw .userError("error: \(upstreamConfig): expected a JSON list of {\"urlTemplate\": …, \"hubPattern\": …, \"eventPattern\": …, \"categoryPattern\": …, \"auth\": {\"type\": \"ManagedIdentity\", \"resource\": …}}")
        }
        var rules: [UpstreamRule] = []
        for (index, entry) in list.enumerated() {
            guard let url = entry["urlTemplate"] as? String, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .userError("error: \(upstreamConfig): entry \(index + 1) needs an http(s) 'urlTemplate'")
            }
            var resource: String?
            if let auth = entry["auth"] as? [String: Any], (auth["type"] as? String)?.lowercased() == "managedidentity" {
                guard let named = auth["resource"] as? String, !named.isEmpty else {
                    throw .userError("error: \(upstreamConfig): entry \(index + 1) has auth type ManagedIdentity without a 'resource'")
                }
                resource = named
            }
            rules.append(UpstreamRule(urlTemplate: url, hubPattern: entry["hubPattern"] as? String ?? "*",
                                      eventPattern: entry["eventPattern"] as? String ?? "*", categoryPattern: entry["categoryPattern"] as? String ?? "*",
                                      tokenResource: resource))
        }
        return rules
    }
}

extension ServiceMode: ExpressibleByArgument {}
