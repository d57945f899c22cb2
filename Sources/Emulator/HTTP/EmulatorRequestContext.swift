import HTTPTypes
import Hummingbird
import NIOCore

/// The request context of every emulator route.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's address, which a Default-mode app server is told as `X-Forwarded-For`.
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension Request {
    /// The access token: `Authorization: Bearer …`, else the `access_token` query parameter.
    var accessToken: String? {
        if let header = headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]) }
        }
        return uri.queryParameters["access_token"].map(String.init)
    }

    /// The caller's place in a trace (`traceparent`), if it sent a valid one.
    var traceContext: TraceContext? {
        headers[HTTPField.Name("traceparent")!].flatMap(TraceContext.init(traceparent:))
    }

    /// A query parameter as a string.
    func query(_ name: String) -> String? {
        uri.queryParameters[Substring(name)].map(String.init)
    }
}

/// JSON error responses, in the shape of the REST API's ErrorDetail; plain text for the v1
/// REST API, whose document answers errors as `text/plain`.
enum ErrorResponse {
    static let errorCodes = [400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
                             413: "PayloadTooLarge", 500: "InternalServerError"]

    /// Set while a v1 REST request is answered: its errors are the message as plain text.
    @TaskLocal static var plainText = false

    static func make(status: Int, code: String? = nil, _ message: String) -> Response {
        if plainText {
            return Response(status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: message)))
        }
        let (headers, body) = parts(status: status, code: code, message)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }

    /// The headers and JSON body of an error, for a caller writing the response itself.
    static func parts(status: Int, code: String? = nil, _ message: String) -> (HTTPFields, ByteBuffer) {
        let name = code ?? errorCodes[status] ?? "Error"
        let body = JSONCodec.encode(.map([HubPair(.string("code"), .string(name)), HubPair(.string("message"), .string(message))]))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers[HTTPField.Name("x-ms-error-code")!] = name
        return (headers, ByteBuffer(bytes: body))
    }

    static func make(_ error: HubServiceError) -> Response {
        make(status: error.status, error.reason)
    }
}

/// JSON success bodies.
enum JSONResponse {
    static func make(_ value: HubValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: JSONCodec.encode(value))))
    }
}
