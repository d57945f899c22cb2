import NIOCore
import NIOHTTP1

/// Answers a socket whose first request does not parse (an empty `Content-Length`, a header
/// that is not HTTP) with 400 and closes it, as NIO's protocol error handler would.
///
/// Hummingbird answers parse errors of later requests itself, but only once its handlers are in
/// place, after the first request has been read; before that, a parse error would reach the end
/// of the pipeline unanswered and leave the client waiting. Once a request has been read, errors
/// pass on untouched.
final class UnparsableRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var readRequest = false

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
        let head = HTTPResponseHead(version: .http1_1, status: .badRequest, headers: ["Connection": "close", "Content-Length": "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let context = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.value.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            context.value.close(promise: nil)
        }
    }
}
