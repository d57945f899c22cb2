"""Spans of the chat's message path, with the standard library only.

A client's message reaches this app as an upstream call whose `traceparent` header says where it
is in a trace (the SignalR service's span); the app's span continues that trace, and the REST
call that broadcasts the message passes the app's own `traceparent` on, so the service's send and
fan-out join the same trace. When OTEL_EXPORTER_OTLP_ENDPOINT is set (apphost run sets it, with
OTEL_EXPORTER_OTLP_HEADERS and OTEL_SERVICE_NAME), each span is sent there as OTLP/JSON; without
it, nothing is sent and `traceparent` is still passed on. An app with the OpenTelemetry SDK would
do the same with `opentelemetry-instrumentation`; this one keeps to the standard library.
"""
import json
import os
import re
import secrets
import threading
import time
import urllib.request

ENDPOINT = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").rstrip("/")
HEADERS = dict(pair.strip().split("=", 1) for pair in os.environ.get("OTEL_EXPORTER_OTLP_HEADERS", "").split(",") if "=" in pair)
SERVICE = os.environ.get("OTEL_SERVICE_NAME", "api")
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


class Span:
    """`with Span("name", request_traceparent) as span:`; `span.traceparent` for calls made inside."""

    def __init__(self, name: str, traceparent: str | None = None, kind: int = 2):
        parent = TRACEPARENT.match((traceparent or "").strip())
        self.trace_id = parent.group(1) if parent and parent.group(1) != "0" * 32 else secrets.token_hex(16)
        self.parent_id = parent.group(2) if parent and self.trace_id == parent.group(1) else None
        self.span_id = secrets.token_hex(8)
        self.name, self.kind, self.attributes, self.error = name, kind, {}, None

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"

    def __enter__(self):
        self.start = time.time_ns()
        return self

    def __exit__(self, kind, value, traceback):
        end = time.time_ns()
        if value is not None:
            self.error = str(value)
        if ENDPOINT:
            threading.Thread(target=export, args=(self, end), daemon=True).start()
        return False


def export(span: Span, end: int) -> None:
    """POST <endpoint>/v1/traces: one span, as OTLP/JSON writes it (hex ids, times as strings)."""
    record = {"traceId": span.trace_id, "spanId": span.span_id, "name": span.name, "kind": span.kind,
              "startTimeUnixNano": str(span.start), "endTimeUnixNano": str(end),
              "attributes": [{"key": key, "value": {"stringValue": str(value)}} for key, value in span.attributes.items()]}
    if span.parent_id:
        record["parentSpanId"] = span.parent_id
    if span.error:
        record["status"] = {"code": 2, "message": span.error}
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": SERVICE}}]},
                               "scopeSpans": [{"scope": {"name": "serverless-chat"}, "spans": [record]}]}]}
    request = urllib.request.Request(f"{ENDPOINT}/v1/traces", method="POST", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **HEADERS})
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except OSError:
        pass  # telemetry never breaks the chat
