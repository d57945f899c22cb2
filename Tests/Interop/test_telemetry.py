"""OpenTelemetry under `apphost run`: a Python project using the real OpenTelemetry SDK and its
OTLP/HTTP exporters from PyPI, configured by nothing but the variables apphost injects, sends
traces, logs and metrics; the dashboard's JSON API returns them. A hand-built OTLP/JSON export
and bad input (a wrong key, a body that is not OTLP, another media type, an oversized body) are
sent to the same endpoint."""
import json
import signal
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

from apphost_run import AppHostRun
from conftest import mint

# The project: the SDK's own defaults, pointed at apphost only by the environment.
PROJECT = textwrap.dedent("""
    import json, logging, os, sys, time
    from opentelemetry import trace, metrics
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    with open(sys.argv[1] + ".tmp", "w") as out:
        json.dump({k: v for k, v in os.environ.items() if k.startswith("OTEL_")}, out)
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    if "OTEL_EXPORTER_OTLP_ENDPOINT" not in os.environ:
        print("no telemetry", flush=True)
        time.sleep(3600)

    resource = Resource.create()
    tracing = TracerProvider(resource=resource)
    tracing.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracing)
    metering = MeterProvider(resource=resource, metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
    metrics.set_meter_provider(metering)
    logging_provider = LoggerProvider(resource=resource)
    logging_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    logging.getLogger().addHandler(LoggingHandler(logger_provider=logging_provider))

    tracer = trace.get_tracer("shop")
    orders = metrics.get_meter("shop").create_counter("orders", unit="1", description="orders placed")
    with tracer.start_as_current_span("checkout", attributes={"cart.items": 3}):
        with tracer.start_as_current_span("charge") as charge:
            charge.set_status(trace.Status(trace.StatusCode.ERROR, "card declined"))
            logging.getLogger("shop").error("payment failed for order %s", 42)
        orders.add(3, {"region": "eu"})
    tracing.force_flush()
    logging_provider.force_flush()
    metering.force_flush()
    print("telemetry sent", flush=True)
    time.sleep(3600)
""")


def write_application(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shop.py").write_text(PROJECT)
    python = sys.executable
    (folder / "apphost.yaml").write_text(textwrap.dedent(f"""
        name: traced
        resources:
          shop:
            type: project
            command: {python} shop.py shop.json
            shutdownTimeout: 2s
          quiet:
            type: project
            command: {python} shop.py quiet.json
            telemetry: false
            shutdownTimeout: 2s
        """))


def dashboard(run: AppHostRun):
    link = run.wait_for_line(lambda line: "dashboard at " in line, seen=True).split("dashboard at ", 1)[1]
    base, token = link.split("/?t=", 1)

    def get(path):
        request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    return get


def post(url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method="POST", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_project_with_the_sdks_defaults_sends_traces_logs_and_metrics_to_the_dashboard(tmp_path):
    folder = tmp_path / "app"
    write_application(folder)
    run = AppHostRun(folder, args=("--dashboard-port", "0"))
    try:
        run.wait_for_line(lambda line: line.startswith("shop ") and "telemetry sent" in line, timeout=60)
        get = dashboard(run)
        injected = json.loads((folder / "shop.json").read_text())
        endpoint, key = injected["OTEL_EXPORTER_OTLP_ENDPOINT"], injected["OTEL_EXPORTER_OTLP_HEADERS"].split("=", 1)[1]
        assert endpoint.startswith("http://localhost:") and len(key) == 64
        assert injected["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf" and injected["OTEL_SERVICE_NAME"] == "shop"
        assert injected["OTEL_RESOURCE_ATTRIBUTES"].startswith("service.instance.id=shop-")
        assert all(injected[name] == "1000" for name in ("OTEL_BSP_SCHEDULE_DELAY", "OTEL_BLRP_SCHEDULE_DELAY", "OTEL_METRIC_EXPORT_INTERVAL"))
        assert injected["OTEL_TRACES_SAMPLER"] == "always_on"
        # `telemetry: false` turns it off for one project; the key is masked wherever apphost shows it.
        assert json.loads((folder / "quiet.json").read_text()) == {}
        shown = {v["name"]: v["value"] for r in get("/api/resources") if r["name"] == "shop" for v in r["environment"]}
        assert shown["OTEL_EXPORTER_OTLP_HEADERS"] == "x-otlp-api-key=********" and key not in "\n".join(run.lines)

        # The trace: checkout → charge, one resource, the failed charge marking it.
        [summary] = get("/api/telemetry/traces?resource=shop&name=checkout")
        assert (summary["name"], summary["resources"], summary["spanCount"], summary["hasError"]) == ("checkout", ["shop"], 2, True)
        assert get("/api/telemetry/traces?errors=true")[0]["traceId"] == summary["traceId"]
        checkout, charge = get(f"/api/telemetry/traces/{summary['traceId']}")
        assert checkout["attributes"] == {"cart.items": 3} and checkout.get("parentSpanId") is None
        assert charge["parentSpanId"] == checkout["spanId"] and charge["status"] == "error" and charge["statusMessage"] == "card declined"

        # The log, linked to the span it was written in.
        [record] = get("/api/telemetry/logs?resource=shop&minSeverity=17")
        assert record["message"] == "payment failed for order 42" and record["severity"] == "error"
        assert record["traceId"] == summary["traceId"] and record["spanId"] == charge["spanId"]

        # The counter, with its points.
        instruments = {i["name"]: i for i in get("/api/telemetry/metrics?resource=shop")}
        assert instruments["orders"]["kind"] == "sum" and instruments["orders"]["latest"]["value"] == 3
        assert instruments["orders"]["latest"]["attributes"] == {"region": "eu"}
        assert get("/api/telemetry/metrics/shop/orders")[-1]["value"] == 3

        # A hand-built OTLP/JSON export, with OTLP/JSON's hex ids.
        export = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "by-hand"}}]},
                                     "scopeSpans": [{"scope": {"name": "curl"}, "spans": [{
                                         "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                                         "name": "hand-made", "kind": 3, "startTimeUnixNano": "1700000000000000000",
                                         "endTimeUnixNano": "1700000000250000000"}]}]}]}
        json_headers = {"Content-Type": "application/json", "x-otlp-api-key": key}
        status, body = post(f"{endpoint}/v1/traces", json.dumps(export).encode(), json_headers)
        assert (status, body) == (200, b"{}")
        [by_hand] = get("/api/telemetry/traces/5b8efff798038103d269b633813fc60c")
        assert (by_hand["resource"], by_hand["kind"], by_hand["name"]) == ("by-hand", "client", "hand-made")

        # Bad input is refused with the reason, and nothing is kept of it.
        status, body = post(f"{endpoint}/v1/traces", json.dumps(export).encode(), {"Content-Type": "application/json", "x-otlp-api-key": "wrong"})
        assert status == 401 and b"x-otlp-api-key" in body
        status, body = post(f"{endpoint}/v1/logs", b"this is not OTLP", {"Content-Type": "application/x-protobuf", "x-otlp-api-key": key})
        assert status == 400 and b"not an OTLP protobuf" in body
        status, body = post(f"{endpoint}/v1/metrics", b"{}", {"Content-Type": "text/plain", "x-otlp-api-key": key})
        assert status == 415
        status, body = post(f"{endpoint}/v1/traces", b"x" * (5 << 20), json_headers)
        assert status == 413
        kept = {r["resource"]: r for r in get("/api/telemetry/resources")}
        assert set(kept) == {"shop", "by-hand"} and kept["shop"]["droppedSpans"] == 0

        # A flood: the bound (10,000 spans a resource) holds, the oldest dropped and counted, and
        # apphost's memory stays within its budget.
        for batch in range(12):
            spans = [{"traceId": f"{batch:016x}{index:016x}", "spanId": f"{index:016x}", "name": "flood", "kind": 1,
                      "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000001000000",
                      "attributes": [{"key": "payload", "value": {"stringValue": "x" * 100}}]} for index in range(1000)]
            flood = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "flood"}}]},
                                        "scopeSpans": [{"spans": spans}]}]}
            assert post(f"{endpoint}/v1/traces", json.dumps(flood).encode(), json_headers)[0] == 200
        flooded = {r["resource"]: r for r in get("/api/telemetry/resources")}["flood"]
        assert (flooded["spans"], flooded["droppedSpans"]) == (10_000, 2_000)
        resident_kb = int(next(line for line in Path(f"/proc/{run.process.pid}/status").read_text().splitlines()
                               if line.startswith("VmRSS:")).split()[1])
        assert resident_kb < 400 * 1024, f"apphost holds {resident_kb} kB after the flood"
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
    finally:
        run.kill()


def test_without_a_dashboard_nothing_is_received_or_injected(tmp_path):
    folder = tmp_path / "app"
    write_application(folder)
    run = AppHostRun(folder, args=("--no-dashboard",))
    try:
        run.wait_for_line(lambda line: line.startswith("shop ") and "no telemetry" in line, timeout=60)
        assert json.loads((folder / "shop.json").read_text()) == {}
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
    finally:
        run.kill()


def test_a_chat_message_is_one_trace_through_the_emulator_and_the_app():
    # The top-level apphost.yaml runs the chat template: client invocation → the emulator's
    # span → its upstream call → the app's span → the app's REST call → the emulator's fan-out.
    from apphost_run import wait_until
    from conftest import REPOSITORY
    from test_clients import SignalRCoreClient
    run = AppHostRun(REPOSITORY, args=("--dashboard-port", "0"))
    client = None
    try:
        app = run.wait_for_app()
        get = dashboard(run)
        client = SignalRCoreClient(f"{app}/api?userId=tracer").start()
        client.hub.send("sendMessage", ["follow me"])
        assert client.next() == [{"user": "tracer", "text": "follow me"}]

        def whole_trace():
            for summary in get("/api/telemetry/traces?name=invoke%20sendMessage"):
                spans = get(f"/api/telemetry/traces/{summary['traceId']}")
                if any(span["name"] == "send newMessage" for span in spans):
                    return spans
            return None
        assert wait_until(lambda: whole_trace() is not None, timeout=15), "the message's spans never made one trace"
        spans = {(span["resource"], span["name"], span["kind"]): span for span in whole_trace()}
        invoke = spans[("signalr", "invoke sendMessage", "server")]
        upstream = spans[("signalr", "upstream messages/sendMessage", "client")]
        handled = spans[("api", "upstream messages/sendMessage", "server")]
        rest = spans[("signalr", "POST /api/v1/hubs/chat", "server")]
        fan_out = spans[("signalr", "send newMessage", "producer")]
        assert invoke.get("parentSpanId") is None
        assert upstream["parentSpanId"] == invoke["spanId"] and upstream["attributes"]["http.response.status_code"] == 200
        assert handled["parentSpanId"] == upstream["spanId"] and handled["attributes"]["chat.user"] == "tracer"
        assert rest["parentSpanId"] == handled["spanId"] and rest["attributes"]["http.response.status_code"] == 202
        assert fan_out["parentSpanId"] == rest["spanId"] and fan_out["attributes"]["signalr.recipients"] >= 1
        assert len({span["traceId"] for span in spans.values()}) == 1
        # The connection is the emulator's span too; health probes are not traced.
        names = {trace["name"] for trace in get("/api/telemetry/traces?resource=signalr&limit=500")}
        assert "connect chat" in names and not any("health" in name for name in names), names
        # A negotiate that carries a traceparent continues that trace.
        key = (REPOSITORY / ".apphost" / "keys" / "signalr.key").read_text().strip()
        endpoint = next(r["url"] for r in get("/api/resources") if r["name"] == "signalr").rstrip("/")
        parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        status, _ = post(f"{endpoint}/client/negotiate?hub=chat&negotiateVersion=1", b"",
                         {"Authorization": "Bearer " + mint(f"{endpoint}/client/?hub=chat", "tracer", key=key), "traceparent": parent})
        assert status == 200
        assert wait_until(lambda: get("/api/telemetry/traces/4bf92f3577b34da6a3ce929d0e0e4736"), timeout=15)
        [negotiate] = get("/api/telemetry/traces/4bf92f3577b34da6a3ce929d0e0e4736")
        assert (negotiate["name"], negotiate["parentSpanId"], negotiate["resource"]) == ("negotiate chat", "00f067aa0ba902b7", "signalr")
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
    finally:
        if client:
            client.hub.stop()
        run.kill()
