import Foundation
import Hummingbird

/// The shapes of the dashboard's answers: JSON, text, the page, and Server-Sent Events.
enum DashboardResponse {
    private static let encoder = DashboardJSON.encoder()

    /// `value` as JSON.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// One line of text; errors say what to do.
    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    /// A Server-Sent Events frame: `event: NAME` and `value` as JSON on one data line.
    static func event(_ name: String, _ value: some Encodable) -> ByteBuffer {
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return ByteBuffer(string: "event: \(name)\ndata: " + String(decoding: data, as: UTF8.self) + "\n\n")
    }

    /// The headers of an event stream: never cached, never buffered by a proxy.
    static let eventStreamHeaders: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
}
