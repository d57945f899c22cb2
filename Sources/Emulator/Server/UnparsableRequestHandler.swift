import HTTPTypes
import NIOCore
import NIOHTTP1

/// Answers a socket whose first request does not parse (an empty `Content-Length`, a header
/// that is not HTTP) with 400 and closes it, as NIO's protocol error handler would, with the
/// error body the addressed API documents: JSON `{code, message}` for the dated REST APIs, plain
/// text otherwise (v1 and the rest).
///
/// Hummingbird answers parse errors of later requests itself, but only once its handlers are in
/// place, after the first request has been read; before that, a parse error would reach the end
/// of the pipeline unanswered and leave the client waiting. Once a request has been read, errors
/// pass on untouched.
final class UnparsableRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let firstLine: RequestLineRecorder
    private var readRequest = false

    /// A handler that learns the request's target from `firstLine`.
    init(firstLine: RequestLineRecorder) {
        self.firstLine = firstLine
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        readRequest = true
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !readRequest, error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        readRequest = true
        let message = "The request could not be parsed as HTTP/1.1 (\(error))."
        let target = firstLine.target ?? ""
        var headers: HTTPHeaders = ["Connection": "close"]
        let body: ByteBuffer
        if target.hasPrefix("/api/"), target.contains("api-version=") {
            let (fields, json) = ErrorResponse.parts(status: 400, message)
            for field in fields { headers.add(name: field.name.rawName, value: field.value) }
            body = json
        } else {
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            body = ByteBuffer(string: message)
        }
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let context = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.value.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            context.value.close(promise: nil)
        }
    }
}

/// The first handler of a new socket: notes the target of its first request line (so an
/// unparsable request still gets the error form of the API it addressed), then leaves the
/// pipeline.
final class RequestLineRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The request target (`/api/v1/hubs/chat?…`), once seen.
    private(set) var target: String?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let view = bytes.readableBytesView.prefix(8192)
        if let end = view.firstIndex(of: UInt8(ascii: "\r")) ?? view.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: view[view.startIndex..<end], as: UTF8.self)
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if words.count >= 2 { target = String(words[1]) }
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
