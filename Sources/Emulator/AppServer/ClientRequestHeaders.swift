import HTTPTypes
import NIOCore

/// The request headers of a client's connect request, as its app server sees them in
/// OpenConnection: the SDK makes them the `HttpContext.Request.Headers` of the hub's
/// connection and reads the caller's address from `X-Forwarded-For`.
enum ClientRequestHeaders {
    /// Headers the service keeps to itself: the client's access token is the service's
    /// credential, not the app's, and the rest belong to the hop from client to service.
    static let withheld: Set<String> = [
        "authorization", "connection", "upgrade", "keep-alive", "transfer-encoding", "content-length", "te", "trailer",
        "proxy-authorization", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept",
        "x-forwarded-for",
    ]

    /// The headers to forward, each name once with its values in order, then
    /// `X-Forwarded-For` with the client's address (the service is the edge: a value the
    /// client sent itself is not passed on as if it were true).
    static func forwarded(_ fields: HTTPFields, peer: SocketAddress?) -> [ServiceHeader] {
        var headers: [ServiceHeader] = []
        var position: [String: Int] = [:]
        for field in fields where !withheld.contains(field.name.canonicalName) {
            let key = field.name.canonicalName
            if let index = position[key] {
                headers[index].values.append(field.value)
            } else {
                position[key] = headers.count
                headers.append(ServiceHeader(field.name.rawName, [field.value]))
            }
        }
        if let address = peer?.ipAddress {
            headers.append(ServiceHeader("X-Forwarded-For", [address]))
        }
        return headers
    }
}
