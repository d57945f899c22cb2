"""`apphost run` as a user starts it, for the end-to-end and orphan tests: its output read line
by line as it comes, and the processes it started found through /proc."""
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

from conftest import apphost_binary


class LineReader:
    """The lines a process writes on stdout, read as they come by a thread of their own."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.lines: list[str] = []
        self._queue: "queue.Queue[str | None]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, predicate, timeout: float = 30.0, seen: bool = False) -> str:
        """The first line (from now on; with `seen`, among those already read too) that satisfies
        `predicate`; fails at exit or after `timeout`."""
        if seen and (earlier := next((line for line in self.lines if predicate(line)), None)) is not None:
            return earlier
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "no such line within the time; output so far:\n" + "\n".join(self.lines)
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            assert line is not None, "the process exited; output:\n" + "\n".join(self.lines)
            self.lines.append(line)
            if predicate(line):
                return line

    def wait(self, timeout: float = 30.0) -> int:
        """Waits for the process to end and collects the rest of its output."""
        code = self.process.wait(timeout=timeout)
        while (line := self._queue.get(timeout=5)) is not None:
            self.lines.append(line)
        return code


class AppHostRun(LineReader):
    def __init__(self, folder: Path, environment: dict | None = None, args: tuple = ()):
        env = dict(os.environ, NO_COLOR="1", **(environment or {}))
        super().__init__(subprocess.Popen([apphost_binary(), "run", *args], cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))

    def wait_for_app(self) -> str:
        """The URL of the app the summary says to open, once everything is up."""
        summary = self.wait_for_line(lambda line: "open http://localhost:" in line)
        return summary.split("open ", 1)[1].split(" ", 1)[0].rstrip("/")

    def signal(self, number: int):
        self.process.send_signal(number)

    def wait_for_clean_exit(self, timeout: float = 30.0):
        """Waits for apphost to end and fails, with everything it printed, unless it exited 0."""
        code = self.wait(timeout)
        assert code == 0, f"apphost exited with {code}; its output:\n" + "\n".join(self.lines)

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def init_application(folder: Path, template: str | None = None) -> Path:
    """A new application written by `apphost init` into `folder`."""
    subprocess.run([apphost_binary(), "init", str(folder), *(["--template", template] if template else [])],
                   check=True, capture_output=True)
    return folder


def living_processes_with(variable: str, value: str) -> list[int]:
    """Processes (not zombies) whose environment holds variable=value."""
    needle = f"{variable}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def wait_until(condition, timeout: float) -> bool:
    """Polls `condition` (an observation of the system, such as /proc) until it holds or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
