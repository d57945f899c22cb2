import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// The WebSockets transport: hub frames both ways over one WebSocket, text for JSON and
/// binary for MessagePack.
enum WebSocketTransport {
    /// Adds the upgrade route: the connection is opened (token, id, upstream `connect`) before
    /// the upgrade is accepted, so a refusal is an HTTP status, not a dropped socket.
    static func addRoutes(to router: Router<EmulatorRequestContext>, service: HubService) {
        for path in ["/client"] {
            router.ws(RouterPath(path)) { request, context in
                do throws(HubServiceError) {
                    let connection = try await service.connect(hub: request.query("hub"), id: request.query("id"), accessToken: request.accessToken,
                                                               transport: .webSockets, query: request.uri.query ?? "")
                    context.upgradedConnection.put(connection)
                    return .upgrade([:])
                } catch {
                    throw HTTPError(.init(code: error.status), message: error.reason)
                }
            } onUpgrade: { inbound, outbound, context in
                guard let connection = context.requestContext.upgradedConnection.take() else { return }
                await run(connection, inbound: inbound, outbound: outbound, service: service)
            }
        }
    }

    static func run(_ connection: ClientConnection, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, service: HubService) async {
        var endError: String?
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await write(connection, to: outbound)
            }
            var decoder = HubFrameDecoder(maximumMessageSize: service.configuration.maximumMessageSize)
            var sessionEnded = false
            do {
                for try await message in inbound.messages(maxSize: service.configuration.maximumMessageSize) {
                    let bytes: [UInt8]
                    switch message {
                    case .text(let text): bytes = Array(text.utf8)
                    case .binary(let buffer): bytes = Array(buffer: buffer)
                    }
                    if !(await service.receive(bytes, from: connection, decoder: &decoder)) {
                        sessionEnded = true
                        break
                    }
                }
            } catch {
                endError = "\(error)"
            }
            // When the session ended, the writer sends what is queued (a Close message) and
            // closes; when the client left, nobody reads any more: stop the writer.
            if !sessionEnded { connection.outbox.abandon(closeFrame: nil) }
            await group.waitForAll()
        }
        await service.transportEnded(connection, error: endError)
    }

    /// Writes queued frames until the outbox finishes, then closes the WebSocket.
    private static func write(_ connection: ClientConnection, to outbound: WebSocketOutboundWriter) async {
        do {
            while let item = await connection.outbox.next() {
                // Frames that queued up while the last write was in flight go out together, up
                // to 16 KB a WebSocket message (the smallest frame limit among common clients):
                // hub protocols allow several records in one message, and a client that falls
                // behind then costs one write, not one per frame.
                var batch = ByteBuffer()
                for queued in [item] + connection.outbox.drainQueued() {
                    switch queued {
                    case .frame(var buffer):
                        if batch.readableBytes > 0, batch.readableBytes + buffer.readableBytes > Self.batchLimit {
                            try await outbound.write(frame(batch, for: connection))
                            batch.clear()
                        }
                        if batch.readableBytes == 0 { batch = buffer } else { batch.writeBuffer(&buffer) }
                    case .finish(let closeFrame):
                        if batch.readableBytes > 0 { try await outbound.write(frame(batch, for: connection)) }
                        if let closeFrame { try await outbound.write(frame(closeFrame, for: connection)) }
                        try await outbound.close(.normalClosure, reason: nil)
                        return
                    }
                }
                if batch.readableBytes > 0 { try await outbound.write(frame(batch, for: connection)) }
            }
        } catch {
            connection.outbox.abandon(closeFrame: nil)
        }
    }

    /// The most bytes batched into one WebSocket message.
    static let batchLimit = 16 * 1024

    /// The frame for a buffer, written as is: binary for MessagePack, text otherwise.
    private static func frame(_ buffer: ByteBuffer, for connection: ClientConnection) -> WebSocketOutboundWriter.OutboundFrame {
        .custom(WebSocketFrame(fin: true, opcode: connection.protocolKind?.isBinary == true ? .binary : .text, data: buffer))
    }
}
