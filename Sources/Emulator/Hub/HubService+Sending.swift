import NIOCore

/// Sending to clients: one connection, or many with one encoding per protocol.
extension HubService {
    /// Sends one message to one connection (a completion, a ping).
    func send(_ message: HubMessage, to connection: ClientConnection) {
        guard let kind = connection.protocolKind else { return }
        deliver(ByteBuffer(bytes: kind.encodeFrame(message)), to: connection, sequenced: message.isSequenced)
    }

    /// Sends an invocation to many connections, encoding it once per protocol; returns how many
    /// connections it was handed to. WebSocket clients get it in one task per event loop, which
    /// writes the same encoded frame to each of them; their flush is left to the loop's
    /// `FlushCoalescer`, so broadcasts in quick succession share a system call per client.
    @discardableResult
    func send(_ invocation: Invocation, to connections: [ClientConnection], hub: String) -> Int {
        let delivered = traced("send \(invocation.target)", kind: .producer) { span in
            let delivered = send(EncodedMessage(.invocation(invocation)), to: connections, hub: hub)
            span?.set("signalr.hub", .string(hub))
            span?.set("signalr.target", .string(invocation.target))
            span?.set("signalr.recipients", .int(Int64(delivered)))
            return delivered
        }
        if events.wantsEvents {
            events.publish("messageOut", [("hub", .string(hub)), ("target", .string(invocation.target)),
                                          ("arguments", .array(invocation.arguments)), ("recipients", .int(Int64(delivered)))])
        }
        return delivered
    }

    /// Sends frames already encoded per protocol to many connections (see the invocation
    /// overload); a connection whose protocol has no frame is skipped.
    @discardableResult
    func send(_ encoded: EncodedMessage, to connections: [ClientConnection], hub: String) -> Int {
        var delivered = 0
        var byEventLoop: [ObjectIdentifier: (loop: any EventLoop, connections: [(ClientConnection, WebSocketOutput, ByteBuffer)])] = [:]
        let now = ContinuousClock.now
        for connection in connections {
            guard let kind = connection.protocolKind, encoded.has(kind) else { continue }
            switch connection.output {
            case .queued, .reliable:
                if deliver(encoded.frame(for: kind), to: connection, sequenced: true) { delivered += 1 }
            case .webSocket(let output):
                guard !output.isFinished else { continue }
                connection.noteSent(at: now)
                byEventLoop[ObjectIdentifier(output.eventLoop), default: (output.eventLoop, [])].connections
                    .append((connection, output, encoded.webSocketFrame(for: kind)))
                delivered += 1
            }
        }
        for (loop, batch) in byEventLoop.values {
            let coalescer = coalescer(for: loop)
            loop.execute {
                for (connection, output, frame) in batch {
                    self.write(frame, to: connection, through: output)
                    coalescer.written(output)
                }
                coalescer.endBroadcast()
            }
        }
        registry.countOut(hub: hub, delivered)
        return delivered
    }

    /// The flush coalescer of an event loop, made the first time it is needed.
    private func coalescer(for loop: any EventLoop) -> FlushCoalescer {
        coalescers.withLock { coalescers in
            if let existing = coalescers[ObjectIdentifier(loop)] { return existing }
            let made = FlushCoalescer(eventLoop: loop)
            coalescers[ObjectIdentifier(loop)] = made
            return made
        }
    }

    /// Hands a hub frame to one connection; a client that reads too slowly is dropped.
    /// `sequenced` frames are kept for a stateful-reconnect client until it acknowledges them.
    @discardableResult
    func deliver(_ frame: ByteBuffer, to connection: ClientConnection, sequenced: Bool = false) -> Bool {
        switch connection.output {
        case .reliable(let session):
            switch session.send(frame, sequenced: sequenced, wrap: { connection.webSocketFrame($0) }) {
            case .accepted:
                connection.noteSent()
                return true
            case .ended:
                return false
            case .overflowed:
                logger.warning("closing a stateful-reconnect client that acknowledged too little", metadata: ["connection": "\(connection.id)"])
                close(connection, error: "More than \(session.limit) bytes of messages waited for the client's acknowledgement.")
                return false
            }
        case .queued(let outbox):
            if outbox.enqueue(frame) {
                connection.noteSent()
                return true
            }
            if !connection.isClosed, outbox.queuedBytes > 0 { dropAsTooSlow(connection) }
            return false
        case .webSocket(let output):
            guard !output.isFinished else { return false }
            connection.noteSent()
            let framed = connection.webSocketFrame(frame)
            output.eventLoop.execute {
                self.write(framed, to: connection, through: output)
                output.flush()
            }
            return true
        }
    }

    /// On the connection's event loop: writes an encoded WebSocket frame; a client that fell
    /// further behind than the outgoing limit is dropped.
    private func write(_ frame: ByteBuffer, to connection: ClientConnection, through output: WebSocketOutput) {
        if !output.write(frame) { dropAsTooSlow(connection) }
    }

    /// Drops a client whose outgoing bytes passed the limit: it leaves the registry and gets a
    /// Close message that allows it to reconnect (a queue drops what waited; a WebSocket's
    /// unsent bytes go first). For a WebSocket this runs on its event loop, where the limit is
    /// noticed.
    private func dropAsTooSlow(_ connection: ClientConnection) {
        logger.warning("dropping a client that reads too slowly", metadata: ["connection": "\(connection.id)"])
        registry.remove(connection)
        let close = connection.protocolKind.map { ByteBuffer(bytes: $0.encodeFrame(
            .close(error: "The client did not read its messages fast enough.", allowReconnect: true))) }
        switch connection.output {
        case .queued(let outbox): outbox.abandon(closeFrame: close)
        case .webSocket(let output): output.beginClose(hubClose: close.map(connection.webSocketFrame), code: .policyViolation)
        case .reliable(let session): session.end()?.beginClose(hubClose: close.map(connection.webSocketFrame), code: .policyViolation)
        }
    }
}
