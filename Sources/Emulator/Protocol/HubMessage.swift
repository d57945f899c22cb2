/// A message of the SignalR hub protocol (types 1–7), independent of its encoding.
///
/// See https://github.com/dotnet/aspnetcore/blob/main/src/SignalR/docs/specs/HubProtocol.md
public enum HubMessage: Sendable, Equatable {
    /// 1: call a method; without an invocation id, no completion is expected.
    case invocation(Invocation)
    /// 2: one item of a stream.
    case streamItem(invocationID: String, item: HubValue)
    /// 3: the end of an invocation, with a result or an error.
    case completion(Completion)
    /// 4: call a method whose results are streamed.
    case streamInvocation(Invocation)
    /// 5: stop a streamed invocation.
    case cancelInvocation(invocationID: String)
    /// 6: keep-alive.
    case ping
    /// 7: the connection is closing.
    case close(error: String?, allowReconnect: Bool)
    /// 8 (protocol version 2, stateful reconnect): every sequenced message up to this id arrived.
    case ack(sequenceID: Int64)
    /// 9 (protocol version 2, stateful reconnect): the next sequenced message has this id; sent
    /// first after a reconnect, before the messages sent again.
    case sequence(sequenceID: Int64)

    /// The message's type number.
    public var type: Int {
        switch self {
        case .invocation: 1
        case .streamItem: 2
        case .completion: 3
        case .streamInvocation: 4
        case .cancelInvocation: 5
        case .ping: 6
        case .close: 7
        case .ack: 8
        case .sequence: 9
        }
    }

    /// Whether the message counts in stateful reconnect's sequence (ASP.NET Core's
    /// `HubInvocationMessage`s: invocations, stream items, completions, cancellations); pings,
    /// closes, acks and sequences do not.
    public var isSequenced: Bool {
        switch self {
        case .invocation, .streamItem, .completion, .streamInvocation, .cancelInvocation: true
        case .ping, .close, .ack, .sequence: false
        }
    }
}

/// An invocation or stream invocation.
public struct Invocation: Sendable, Equatable {
    public var invocationID: String?
    public var target: String
    public var arguments: [HubValue]
    public var streamIDs: [String]
    public var headers: [String: String]

    public init(invocationID: String? = nil, target: String, arguments: [HubValue], streamIDs: [String] = [], headers: [String: String] = [:]) {
        self.invocationID = invocationID
        self.target = target
        self.arguments = arguments
        self.streamIDs = streamIDs
        self.headers = headers
    }
}

/// The end of an invocation.
public struct Completion: Sendable, Equatable {
    /// What the invocation produced.
    public enum Outcome: Sendable, Equatable {
        /// Finished without a value.
        case void
        /// Finished with a value.
        case result(HubValue)
        /// Failed, with a message for the caller.
        case error(String)
    }

    public var invocationID: String
    public var outcome: Outcome
    public var headers: [String: String]

    public init(invocationID: String, outcome: Outcome, headers: [String: String] = [:]) {
        self.invocationID = invocationID
        self.outcome = outcome
        self.headers = headers
    }
}

/// The first message a client sends: which protocol it speaks.
public struct HandshakeRequest: Sendable, Equatable {
    public var protocolName: String
    public var version: Int

    public init(protocolName: String, version: Int) {
        self.protocolName = protocolName
        self.version = version
    }

    /// Parses the JSON handshake body (without its record separator).
    public init(json bytes: some Collection<UInt8>) throws(ProtocolError) {
        let value = try JSONCodec.decode(bytes)
        guard let name = value["protocol"]?.string else { throw ProtocolError("the handshake has no 'protocol'") }
        guard let version = value["version"]?.integer, let small = Int(exactly: version) else {
            throw ProtocolError("the handshake has no 'version'")
        }
        protocolName = name
        self.version = small
    }
}
