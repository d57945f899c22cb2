import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The Azure SignalR Service emulator: an HTTP and WebSocket server on loopback that real
/// SignalR clients and REST callers use as they would the service in serverless mode.
public struct SignalREmulator: Sendable {
    public let configuration: EmulatorConfiguration
    let logger: Logger

    /// An emulator with `configuration`.
    public init(configuration: EmulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The port the emulator will listen on: the configured one, or a free one chosen now.
    public func resolvedPort() throws -> Int {
        configuration.port != 0 ? configuration.port : try LoopbackSocket.freePort()
    }

    /// Serves until SIGINT or SIGTERM (or cancellation), then closes every client connection
    /// with a Close message and stops. `onReady` runs once every address accepts connections.
    public func run(port: Int, onReady: @escaping @Sendable (_ hosts: [String]) async -> Void = { _ in }) async throws {
        let service = HubService(configuration: configuration, logger: logger)
        let hosts = configuration.hosts.filter { $0 != "::1" || LoopbackSocket.ipv6Available() }
        let ready = ReadinessCounter(expected: hosts.count) { await onReady(hosts) }
        var services: [any Service] = []
        // Listed first, so it stops last: the spans of the shutdown still go out.
        if let spans = service.spans { services.append(SpanExportLoop(exporter: spans)) }
        for host in hosts {
            services.append(makeApplication(service: service, host: host, port: port, ready: ready))
        }
        // Listed last, so it stops first: it closes the clients before the servers stop.
        services.append(Housekeeping(service: service))
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    private func makeApplication(service: HubService, host: String, port: Int, ready: ReadinessCounter) -> some Service {
        let router = Router(context: EmulatorRequestContext.self)
        // Browser clients negotiate across origins (the page comes from the app), as with the
        // service's default CORS setting of every origin.
        router.add(middleware: CORSMiddleware(
            allowOrigin: .originBased,
            allowHeaders: [.accept, .authorization, .contentType, .origin, HTTPField.Name("x-requested-with")!, HTTPField.Name("x-signalr-user-agent")!],
            allowMethods: [.get, .post, .delete, .head, .options, .put],
            allowCredentials: true))
        ClientEndpoints.addRoutes(to: router, service: service)
        RESTAPI.addRoutes(to: router, service: service)
        IntrospectionEndpoints.addRoutes(to: router, service: service)
        IntrospectionActions.addRoutes(to: router, service: service)
        // The server's own information ("Server started and listening") repeats what the
        // emulator announces once it is ready; its warnings and errors, and its debug lines when
        // asked for, still show.
        var serverLogger = logger
        if serverLogger.logLevel > .debug { serverLogger.logLevel = max(serverLogger.logLevel, .warning) }
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in EmulatorChannel(responder: responder, service: service) },
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { _ in await ready.signal() },
            logger: serverLogger
        )
    }
}

/// Runs an action once `expected` servers have reported that they listen.
private actor ReadinessCounter {
    private var remaining: Int
    private let action: @Sendable () async -> Void

    init(expected: Int, action: @escaping @Sendable () async -> Void) {
        remaining = expected
        self.action = action
    }

    func signal() async {
        remaining -= 1
        if remaining == 0 { await action() }
    }
}

/// Once a second: keep-alive pings, timeouts, expiries. At shutdown: closes every client and
/// every socket, within the configured time (`HubService.shutDown`).
private struct Housekeeping: Service {
    let service: HubService

    func run() async throws {
        var ticks = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            service.tick()
            await service.sweepAbandonedHTTPConnections()
            await service.sweepReliableSessions()
            ticks += 1
            if ticks % 15 == 0 { service.events.heartbeat() }
            // A graceful shutdown is not a cancellation: without this the pause would hold
            // the shutdown back for up to a second.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
        // Cancelled: a server failed to start (a port in use); there is nothing to report.
        let failed = Task.isCancelled
        let report = await service.shutDown()
        guard !failed else { return }
        let message: Logger.Message = "stopped: \(report.connections) client connection(s) closed"
        if report.connectionsLeft > 0 {
            service.logger.warning("\(message); \(report.connectionsLeft) did not end in time and were dropped without a disconnected event")
        } else {
            service.logger.info("\(message)\(report.socketsClosed > 0 ? ", \(report.socketsClosed) other socket(s) (idle keep-alives, unfinished requests) closed" : "")")
        }
    }
}

/// Sends the emulator's spans every `interval` until the shutdown, then what is left.
private struct SpanExportLoop: Service {
    let exporter: SpanExporter

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: exporter.export.interval) }
            await exporter.flush()
        }
        await exporter.flush()
        await exporter.shutdown()
    }
}
