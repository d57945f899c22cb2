"""`apphost mcp` driven by the real MCP client from PyPI (`mcp`): the client starts the server
over stdio as an editor does, lists its tools and calls every one against a real `apphost run`
of real processes and a real SignalR client (signalrcore); errors come back as tool errors with
a reason, never as a crash."""
import asyncio
import json
import os
import signal
import textwrap

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from apphost_run import AppHostRun
from conftest import apphost_binary, mint
from test_clients import SignalRCoreClient

APPLICATION = textwrap.dedent("""\
    name: assisted
    resources:
      signalr:
        type: signalr
        mode: Serverless
      worker:
        type: project
        command: ["python3", "-u", "-c", "import os, time; print('worker', os.getpid(), 'up', flush=True); time.sleep(3600)"]
        references: [signalr]
        shutdownTimeout: 2s
    """)

TOOLS = {"list_resources", "get_logs", "restart_resource", "stop_resource", "start_resource", "get_environment",
         "list_signalr_connections", "get_signalr_messages", "send_signalr_message", "list_traces", "get_trace", "validate_model"}


class Assistant:
    """One MCP session with `apphost mcp`, started in `folder` as an editor starts it."""

    def __init__(self, session: ClientSession):
        self.session = session

    async def call(self, tool: str, **arguments) -> tuple[bool, str]:
        result = await self.session.call_tool(tool, arguments)
        assert len(result.content) == 1 and result.content[0].type == "text"
        return bool(result.isError), result.content[0].text

    async def ok(self, tool: str, **arguments) -> str:
        failed, text = await self.call(tool, **arguments)
        assert not failed, f"{tool} failed: {text}"
        return text

    async def error(self, tool: str, **arguments) -> str:
        failed, text = await self.call(tool, **arguments)
        assert failed, f"{tool} should have failed: {text}"
        return text


async def with_assistant(folder, body):
    parameters = StdioServerParameters(command=apphost_binary(), args=["mcp"], cwd=str(folder), env=dict(os.environ, NO_COLOR="1"))
    async with stdio_client(parameters) as (reader, writer):
        async with ClientSession(reader, writer) as session:
            initialized = await session.initialize()
            assert initialized.serverInfo.name == "apphost"
            return await body(Assistant(session))


def test_an_assistant_sees_diagnoses_and_drives_the_application(tmp_path):
    (tmp_path / "apphost.yaml").write_text(APPLICATION)

    async def before_the_run(assistant: Assistant):
        tools = {tool.name: tool for tool in (await assistant.session.list_tools()).tools}
        assert set(tools) == TOOLS
        assert all(len(tool.description) > 60 for tool in tools.values())
        assert tools["send_signalr_message"].inputSchema["required"] == ["hub", "target"]
        assert tools["list_resources"].annotations.readOnlyHint and not tools["restart_resource"].annotations.readOnlyHint
        # validate_model needs no run; every other tool says there is none and how to start one.
        assert (await assistant.ok("validate_model")).startswith("ok: apphost.yaml is valid; signalr: SignalR Serverless, emulated; worker: project")
        for tool in ("list_resources", "get_logs", "list_signalr_connections"):
            reason = await assistant.error(tool)
            assert "apphost is not running apphost.yaml" in reason and "`apphost run`" in reason
    asyncio.run(with_assistant(tmp_path, before_the_run))

    run = AppHostRun(tmp_path, args=("--dashboard-port", "0"))
    client = None
    try:
        run.wait_for_line(lambda line: " is up in " in line)
        run.wait_for_line(lambda line: line.startswith("apphost | dashboard at "), seen=True)
        run.wait_for_line(lambda line: line.startswith("worker ") and line.endswith(" up"), seen=True)

        async def during_the_run(assistant: Assistant):
            nonlocal client
            resources = {r["name"]: r for r in json.loads(await assistant.ok("list_resources"))}
            assert resources["signalr"]["state"] == "Running" and resources["worker"]["state"] == "Running"
            first_pid = resources["worker"]["pid"]
            merged = await assistant.ok("get_logs")
            assert "apphost | worker: started" in merged and "signalr | SignalR emulator listening" in merged
            assert f"worker {first_pid} up" in await assistant.ok("get_logs", resource="worker", tail=5, filter="UP")
            assert "no lines match" == await assistant.ok("get_logs", resource="worker", filter="nothing like this")
            assert await assistant.ok("get_logs", since="2999-01-01T00:00:00Z") == "no lines match"

            # Variables as the project receives them, the access key masked.
            key = (tmp_path / ".apphost" / "keys" / "signalr.key").read_text().strip()
            environment = await assistant.ok("get_environment", resource="worker")
            assert "ConnectionStrings__signalr=Endpoint=http://localhost:" in environment and key not in environment

            # A real client; the assistant sees it, sends to it, and reads the traffic back.
            endpoint = resources["signalr"]["url"].rstrip("/")
            token = mint(f"{endpoint}/client/?hub=chat", "ann", key=key)
            client = SignalRCoreClient(f"{endpoint}/client/?hub=chat", options={"access_token_factory": lambda: token}).start()
            listed = json.loads(await assistant.ok("list_signalr_connections", hub="Chat"))
            [connection] = listed[0]["state"]["hubs"][0]["connections"]
            assert listed[0]["resource"] == "signalr"
            assert (connection["userId"], connection["transport"], connection["protocol"]) == ("ann", "WebSockets", "json")
            sent = await assistant.ok("send_signalr_message", hub="chat", target="newMessage", arguments=["from the assistant"], userId="ann")
            assert sent == "sent newMessage to 1 connection of hub chat on signalr"
            assert client.next() == ["from the assistant"]
            recent = json.loads(await assistant.ok("get_signalr_messages", hub="chat", limit=10))[0]["recent"]
            kinds = [(event["type"], event.get("userId"), event.get("recipients")) for event in recent["events"]]
            assert ("connected", "ann", None) in kinds
            assert any(kind == "messageOut" and recipients == 1 for kind, _, recipients in kinds)

            # The emulator's own spans (apphost run gives it the OTEL_* variables): the connection,
            # and the REST send with its fan-out to ann.
            deadline = asyncio.get_running_loop().time() + 15
            while True:
                listed = await assistant.ok("list_traces", resource="signalr", name="connect")
                if listed.startswith("["):
                    break
                assert asyncio.get_running_loop().time() < deadline, listed
                await asyncio.sleep(0.2)
            [connect, *_] = json.loads(listed)
            assert connect["name"] == "connect chat" and connect["resources"] == ["signalr"]
            [span] = json.loads(await assistant.ok("get_trace", traceId=connect["traceId"]))
            assert span["attributes"]["enduser.id"] == "ann" and span["attributes"]["signalr.transport"] == "WebSockets"
            assert "32 hex digits" in await assistant.error("get_trace", traceId="nope")
            assert "no trace" in await assistant.error("get_trace", traceId="0" * 32)
            assert "'errorsOnly' must be" in await assistant.error("list_traces", errorsOnly="maybe")

            # Restart, stop and start, as the dashboard's buttons do.
            assert (await assistant.ok("restart_resource", resource="worker")).startswith("worker: restarted; now ")
            resources = {r["name"]: r for r in json.loads(await assistant.ok("list_resources"))}
            assert resources["worker"]["pid"] != first_pid and resources["worker"]["starts"] == 2
            assert (await assistant.ok("stop_resource", resource="worker")).startswith("worker: stopped; now Stopped")
            assert await assistant.error("stop_resource", resource="worker") == "worker is not running (Stopped)"
            assert (await assistant.ok("start_resource", resource="worker")).startswith("worker: started; now ")

            # Bad arguments are tool errors with the reason.
            assert "no resource 'wroker'" in await assistant.error("get_logs", resource="wroker")
            assert "did you mean 'worker'" in (await assistant.error("restart_resource", resource="wroker")).lower()
            assert "'tail' must be a whole number" in await assistant.error("get_logs", tail="many")
            assert "has no argument 'lines'" in await assistant.error("get_logs", lines=3)
            assert "needs 'resource'" in await assistant.error("restart_resource")
            assert "one of connectionId, userId and group" in await assistant.error(
                "send_signalr_message", hub="chat", target="t", userId="ann", group="g")
            assert "invalid hub name" in await assistant.error("send_signalr_message", hub="1bad", target="t")
            assert "only projects receive variables" in await assistant.error("get_environment", resource="signalr")
            assert "'since' must be" in await assistant.error("get_logs", since="yesterday")
            assert "there is no tool" in await assistant.error("no_such_tool")
        asyncio.run(with_assistant(tmp_path, during_the_run))
    finally:
        if client:
            client.hub.stop()
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
        run.kill()

    async def after_the_run(assistant: Assistant):
        assert "apphost is not running apphost.yaml" in await assistant.error("list_resources")
    asyncio.run(with_assistant(tmp_path, after_the_run))


def test_validate_model_reports_each_problem_with_its_location(tmp_path):
    (tmp_path / "apphost.yaml").write_text(APPLICATION.replace("references: [signalr]", "references: [signalR]"))

    async def body(assistant: Assistant):
        reason = await assistant.error("validate_model")
        assert reason.startswith("1 error in apphost.yaml:\napphost.yaml:")
        assert "signalR" in reason and "hint:" in reason
    asyncio.run(with_assistant(tmp_path, body))
