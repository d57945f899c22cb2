"""`apphost ps`, `logs`, `start`, `stop` and `restart` from another terminal, against a real
`apphost run` of real processes: what a docker compose user does with `ps`, `logs -f` and
`restart`."""
import json
import os
import signal
import subprocess
import textwrap

from apphost_run import AppHostRun, LineReader, wait_until
from conftest import apphost_binary

APPLICATION = textwrap.dedent("""\
    name: control
    resources:
      signalr:
        type: signalr
        mode: Serverless
      worker:
        type: project
        command: ["python3", "-u", "-c", "import os, sys, time; print('worker', os.getpid(), 'up'); print('to stderr', file=sys.stderr); time.sleep(3600)"]
        references: [signalr]
        shutdownTimeout: 2s
      web:
        type: project
        command: ["python3", "-u", "-c", "import time; print('web up'); time.sleep(3600)"]
        shutdownTimeout: 2s
    """)


def apphost(folder, *arguments):
    return subprocess.run([apphost_binary(), *arguments], cwd=folder, env=dict(os.environ, NO_COLOR="1"),
                          capture_output=True, text=True, timeout=60)


def resources(folder) -> dict:
    listed = apphost(folder, "ps", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    return {resource["name"]: resource for resource in json.loads(listed.stdout)}


def alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_ps_logs_and_actions_talk_to_the_running_application(tmp_path):
    (tmp_path / "apphost.yaml").write_text(APPLICATION)
    run = AppHostRun(tmp_path, args=("--dashboard-port", "0"))
    follower = None
    try:
        run.wait_for_line(lambda line: " is up in " in line)
        # The dashboard may say where it is before or after the summary.
        run.wait_for_line(lambda line: line.startswith("apphost | dashboard at "), seen=True)
        assert oct((tmp_path / ".apphost" / "run" / "dashboard.json").stat().st_mode & 0o777) == "0o600"

        # One run per apphost.yaml: a second is refused at once, naming the first, and starts nothing.
        second_run = apphost(tmp_path, "run", "--dashboard-port", "0")
        assert second_run.returncode == 1
        assert f"apphost is already running apphost.yaml (pid {run.process.pid})" in second_run.stderr
        assert "starting" not in second_run.stdout + second_run.stderr

        table = apphost(tmp_path, "ps")
        assert table.returncode == 0, table.stderr
        header, *rows = table.stdout.splitlines()
        assert header.split() == ["NAME", "STATE", "PID", "UPTIME", "STARTS", "URL"]
        assert [row.split()[:2] for row in rows] == [["signalr", "Running"], ["worker", "Running"], ["web", "Running"]]
        first_pid = resources(tmp_path)["worker"]["pid"]
        assert alive(first_pid)

        # Everything each resource printed, in the form `apphost run` printed it.
        assert wait_until(lambda: "web     | web up" in apphost(tmp_path, "logs").stdout.splitlines(), timeout=10)
        logs = apphost(tmp_path, "logs", "worker").stdout.splitlines()
        assert f"worker  | worker {first_pid} up" in logs
        assert "worker  ! to stderr" in logs
        assert f"apphost | worker: started (pid {first_pid})" in logs
        assert not any(line.startswith("web ") for line in logs)
        assert apphost(tmp_path, "logs", "web", "--tail", "1").stdout.splitlines() == ["web     | web up"]

        follower = LineReader(subprocess.Popen([apphost_binary(), "logs", "--follow", "worker"], cwd=tmp_path, text=True,
                                               env=dict(os.environ, NO_COLOR="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        follower.wait_for_line(lambda line: line == f"worker  | worker {first_pid} up")

        # A misspelt name changes nothing and says what was meant.
        misspelt = apphost(tmp_path, "restart", "wokrer")
        assert misspelt.returncode == 1
        assert "has no resource 'wokrer'; did you mean 'worker'?" in misspelt.stderr
        assert resources(tmp_path)["worker"]["pid"] == first_pid

        restarted = apphost(tmp_path, "restart", "worker")
        assert restarted.returncode == 0, restarted.stderr
        assert "worker: restarted" in restarted.stderr
        assert not alive(first_pid)
        assert wait_until(lambda: resources(tmp_path)["worker"]["state"] == "Running", timeout=10)
        second = resources(tmp_path)["worker"]
        assert second["pid"] != first_pid and second["starts"] == 2
        # The follower sees the new process's first words as they are written.
        follower.wait_for_line(lambda line: line == f"worker  | worker {second['pid']} up")

        stopped = apphost(tmp_path, "stop", "worker")
        assert stopped.returncode == 0, stopped.stderr
        assert resources(tmp_path)["worker"]["state"] == "Stopped"
        assert not alive(second["pid"])
        assert resources(tmp_path)["web"]["state"] == "Running"
        again = apphost(tmp_path, "stop", "worker")
        assert again.returncode == 2
        assert "worker is not running (Stopped)" in again.stderr

        started = apphost(tmp_path, "start", "worker")
        assert started.returncode == 0, started.stderr
        assert wait_until(lambda: resources(tmp_path)["worker"]["state"] == "Running", timeout=10)
        third_pid = resources(tmp_path)["worker"]["pid"]
        follower.wait_for_line(lambda line: line == f"worker  | worker {third_pid} up")

        # Ctrl-C ends the run: the follower has seen every start and ends with it.
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
        assert follower.wait(timeout=10) == 0
        assert "the run has ended" in follower.process.stderr.read()
        # Each line once (none lost or repeated between the history and the stream), none of web.
        expected = ["worker  ! to stderr"] * 3 + ["apphost | worker: Stopped"] * 2
        for pid in (first_pid, second["pid"], third_pid):
            expected += [f"apphost | worker: started (pid {pid})", f"worker  | worker {pid} up"]
        assert sorted(follower.lines) == sorted(expected)

        # No run, no answer; and the address is gone with the run.
        assert not (tmp_path / ".apphost" / "run" / "dashboard.json").exists()
        after = apphost(tmp_path, "ps")
        assert after.returncode == 2
        assert "apphost is not running apphost.yaml" in after.stderr
    finally:
        if follower and follower.process.poll() is None:
            follower.process.kill()
        run.kill()


def test_run_with_names_starts_those_and_what_they_need(tmp_path):
    # web is broken (its folder does not exist), but it is not asked for, so it is neither checked nor started.
    (tmp_path / "apphost.yaml").write_text(APPLICATION + "    workingDirectory: no-such-folder\n")
    run = AppHostRun(tmp_path, args=("worker", "--dashboard-port", "0"))
    try:
        starting = run.wait_for_line(lambda line: line.startswith("apphost | starting control from apphost.yaml: "))
        assert starting.endswith(": signalr, worker")
        run.wait_for_line(lambda line: " is up in " in line)
        assert list(resources(tmp_path)) == ["signalr", "worker"]
        assert all(state["state"] == "Running" for state in resources(tmp_path).values())
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
        assert not any(line.startswith("web") or "web " in line for line in run.lines)
    finally:
        run.kill()

    misspelt = apphost(tmp_path, "run", "wrker")
    assert misspelt.returncode == 1
    assert "has no resource 'wrker'; did you mean 'worker'?" in misspelt.stderr
    # Without names, web's missing folder is found before anything starts.
    everything = apphost(tmp_path, "run")
    assert everything.returncode == 1
    assert "the working directory 'no-such-folder' does not exist" in everything.stderr


def test_down_stops_the_run_from_another_terminal_even_without_a_dashboard(tmp_path):
    (tmp_path / "apphost.yaml").write_text(APPLICATION)
    run = AppHostRun(tmp_path, args=("--no-dashboard",))
    try:
        run.wait_for_line(lambda line: " is up in " in line)
        pids = [int(line.split("(pid ", 1)[1].rstrip(")")) for line in run.lines if " started (pid " in line]
        assert len(pids) == 3 and all(alive(pid) for pid in pids)
        down = apphost(tmp_path, "down")
        assert down.returncode == 0, down.stderr
        assert f"stopping the run of apphost.yaml (pid {run.process.pid})" in down.stderr
        # `down` returns once the run has ended: by then every process it started is gone.
        assert not any(alive(pid) for pid in pids)
        run.wait_for_clean_exit()
        assert "apphost | SIGTERM: stopping everything (Ctrl-C again to kill at once)" in run.lines
        again = apphost(tmp_path, "down")
        assert again.returncode == 0
        assert "apphost is not running apphost.yaml; nothing to stop" in again.stderr
    finally:
        run.kill()


def test_run_detach_returns_once_up_leaves_the_run_going_and_down_stops_it(tmp_path):
    (tmp_path / "apphost.yaml").write_text(APPLICATION)
    try:
        started = apphost(tmp_path, "run", "--detach", "--dashboard-port", "0")
        assert started.returncode == 0, started.stdout + started.stderr
        output = started.stdout.splitlines()
        assert any(" is up in " in line for line in output)
        assert "`apphost down` stops everything" in output[-2]
        assert output[-1].startswith("apphost | running in the background (pid ")
        run_pid = int(output[-1].split("(pid ", 1)[1].split(")", 1)[0])
        assert alive(run_pid)
        before = resources(tmp_path)
        assert all(resource["state"] == "Running" for resource in before.values())

        # The run goes on writing, now into .apphost/logs/_apphost.log, after what the terminal saw.
        assert apphost(tmp_path, "restart", "web").returncode == 0
        log = (tmp_path / ".apphost" / "logs" / "_apphost.log").read_text().splitlines()
        assert log[:len(output)] == output
        assert "apphost | web: restart requested" in log[len(output):]

        # Without names, as docker compose: stop what runs, then start what was stopped.
        stopped = apphost(tmp_path, "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stderr.splitlines() == ["web: stopped", "worker: stopped", "signalr: stopped"]
        assert all(resource["state"] == "Stopped" for resource in resources(tmp_path).values())
        started_again = apphost(tmp_path, "start")
        assert started_again.returncode == 0, started_again.stderr
        assert wait_until(lambda: all(resource["state"] == "Running" for resource in resources(tmp_path).values()), timeout=10)
        before = resources(tmp_path)

        down = apphost(tmp_path, "down")
        assert down.returncode == 0, down.stderr
        assert f"(pid {run_pid})" in down.stderr
        assert wait_until(lambda: not alive(run_pid), timeout=5)
        assert not any(alive(resource["pid"]) for resource in before.values())
    finally:
        apphost(tmp_path, "down")


def test_run_detach_reports_a_broken_model_and_leaves_nothing_running(tmp_path):
    (tmp_path / "apphost.yaml").write_text(APPLICATION.replace('"python3", "-u"', '"pyhton3", "-u"', 1))
    started = apphost(tmp_path, "run", "-d")
    assert started.returncode == 1
    # Errors still arrive on stderr, located, with the suggestion.
    assert "apphost.yaml:8:14: error: 'worker' would fail to start (FailedToStart): 'pyhton3' not found on PATH" in started.stderr
    assert "hint: did you mean 'python3'?" in started.stderr
    assert apphost(tmp_path, "down").stderr == "apphost is not running apphost.yaml; nothing to stop\n"


WATCHED = textwrap.dedent("""\
    name: watched
    resources:
      app:
        type: project
        command: ["python3", "-u", "app.py"]
        workingDirectory: app
        shutdownTimeout: 2s
      root:
        type: project
        command: ["python3", "-u", "-c", "import time; print('root up'); time.sleep(3600)"]
    """)


def test_run_watch_restarts_a_project_whose_files_change(tmp_path):
    (tmp_path / "apphost.yaml").write_text(WATCHED)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.py").write_text("import time\nprint('version 1')\ntime.sleep(3600)\n")
    run = AppHostRun(tmp_path, args=("--watch", "--no-dashboard"))
    try:
        run.wait_for_line(lambda line: " is up in " in line)
        run.wait_for_line(lambda line: line == "app     | version 1", seen=True)
        assert ("apphost | --watch: not watching root: give a project a workingDirectory of its own to restart it "
                "when its files change") in run.lines
        # What the app or the tools write beside the sources restarts nothing; the next batch names the source only.
        (tmp_path / "app" / "data.db").write_text("rows")
        (tmp_path / "app" / "__pycache__").mkdir()
        (tmp_path / "app" / "__pycache__" / "app.cpython-311.pyc").write_text("bytes")
        (tmp_path / "app" / "app.py").write_text("import time\nprint('version 2')\ntime.sleep(3600)\n")
        changed = run.wait_for_line(lambda line: " changed; restarting" in line)
        assert changed == "apphost | app: app.py changed; restarting"
        run.wait_for_line(lambda line: line == "app     | version 2")
        assert sum(line.startswith("apphost | app started (pid ") for line in run.lines) == 2
        assert sum(line.startswith("apphost | root started (pid ") for line in run.lines) == 1
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
        assert sum(" changed; restarting" in line for line in run.lines) == 1
    finally:
        run.kill()


def test_run_watch_stops_watching_an_app_that_rewrites_its_own_folder(tmp_path):
    (tmp_path / "apphost.yaml").write_text(textwrap.dedent("""\
        resources:
          app:
            type: project
            command: ["python3", "-u", "-c", "import os, time; open('state.json', 'w').write(str(os.getpid())); time.sleep(3600)"]
            workingDirectory: app
        """))
    (tmp_path / "app").mkdir()
    run = AppHostRun(tmp_path, args=("--watch", "--no-dashboard"))
    try:
        # Each start writes state.json, which restarts it: after five restarts apphost gives up on the watch.
        message = run.wait_for_line(lambda line: "it seems to write into its own folder" in line)
        assert message.startswith("apphost | --watch: app was restarted 5 times within 10 s because its files changed (last: state.json)")
        assert sum(line.startswith("apphost | app started (pid ") for line in run.lines) == 6
        assert sum(line == "apphost | app: state.json changed; restarting" for line in run.lines) == 5
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
    finally:
        run.kill()
