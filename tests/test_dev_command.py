"""`python -m orchestration dev` (`make dev`) stops cleanly on Ctrl-C: one line, exit 130, no
traceback, and no process of dagster dev (webserver, daemon, code server) left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from orchestration.settings import PROJECT_ROOT
from tests.conftest import cli_environment

STARTUP_SECONDS = 300  # dbt parse, then dagster dev's webserver, daemon and code server
STOP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every living process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = set(), [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.add(child)
            queue.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def webserver_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


def test_dev_stops_on_ctrl_c_with_one_line_and_no_process_left(tmp_path: Path):
    port = free_port()
    output = tmp_path / "dev.log"
    with open(output, "w") as log:
        dev = subprocess.Popen(
            [sys.executable, "-m", "orchestration", "dev", "-p", str(port)],
            cwd=PROJECT_ROOT,
            env=cli_environment(tmp_path / "warehouse"),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    started = set()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not webserver_answers(port):
            assert dev.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(1)
        started = descendants(dev.pid)
        assert started  # dagster dev and its services

        dev.send_signal(signal.SIGINT)  # what Ctrl-C sends it
        assert dev.wait(timeout=STOP_SECONDS) == 130
    finally:
        for pid in {dev.pid, *started}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    printed = output.read_text()
    assert "Traceback" not in printed
    assert printed.splitlines()[-1] == (
        "dagster dev stopped; runs, schedules and the warehouse are kept"
    )
    assert [pid for pid in started if alive(pid)] == []
    assert not webserver_answers(port)
