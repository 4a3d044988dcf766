"""What a terminal run prints while the job runs: each step's start and end with its elapsed
time, and dbt's node count as it builds, so a refresh is never silent for long.

The job runs in the main thread with its output going to the log file; this thread reads the
run's events from the Dagster instance (the same records the UI shows) and prints to the
terminal the CLI had before the log took over stdout.
"""

from __future__ import annotations

import threading
import time
from typing import Any, TextIO

from orchestration.run_log import STAGE_STEPS

STAGE_OF_STEP = {step: stage for stage, step in STAGE_STEPS.items()}
# At most one "dbt: n of N nodes" line this often while dbt builds.
NODE_COUNT_INTERVAL_SECONDS = 5.0
POLL_INTERVAL_SECONDS = 0.5


def step_name(step_key: str) -> str:
    """The run log's stage name of a step (load, dbt_build, ...), else its Dagster step key."""
    return STAGE_OF_STEP.get(step_key, step_key)


class RunProgress(threading.Thread):
    """Prints the run's progress to `terminal` until stopped; `dbt_nodes` is the number of dbt
    models, seeds and tests the build step runs (the N of "n of N")."""

    def __init__(self, instance: Any, run_id: str, terminal: TextIO, dbt_nodes: int):
        super().__init__(name="run-progress", daemon=True)
        self.instance = instance
        self.run_id = run_id
        self.terminal = terminal
        self.dbt_nodes = dbt_nodes
        self.started = time.monotonic()
        self._stopping = threading.Event()
        self._cursor: str | None = None
        self._step_started: dict[str, float] = {}
        self._dbt_done = 0
        self._last_count_line = 0.0

    def say(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f} s] {message}", file=self.terminal, flush=True)

    def run(self) -> None:
        while not self._stopping.wait(POLL_INTERVAL_SECONDS):
            self.poll()
        self.poll()

    def stop(self) -> None:
        self._stopping.set()
        self.join()

    def poll(self) -> None:
        from dagster import DagsterEventType

        kinds = {
            DagsterEventType.STEP_START,
            DagsterEventType.STEP_SUCCESS,
            DagsterEventType.STEP_FAILURE,
            DagsterEventType.ASSET_MATERIALIZATION,
            DagsterEventType.ASSET_CHECK_EVALUATION,
        }
        try:
            connection = self.instance.get_records_for_run(
                self.run_id, cursor=self._cursor, of_type=kinds
            )
        except Exception:  # the run has not written its first event yet
            return
        self._cursor = connection.cursor
        for record in connection.records:
            self._show(record.event_log_entry)

    def _show(self, entry: Any) -> None:
        from dagster import DagsterEventType

        event = entry.dagster_event
        if event is None:
            return
        step = event.step_key or ""
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self._step_started[step] = entry.timestamp
            self.say(f"{step_name(step)} started")
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            took = entry.timestamp - self._step_started.get(step, entry.timestamp)
            outcome = "done" if kind == DagsterEventType.STEP_SUCCESS else "FAILED"
            self.say(f"{step_name(step)} {outcome} in {took:.1f} s")
        elif step == STAGE_STEPS["dbt_build"]:
            self._dbt_done += 1
            now = time.monotonic()
            if now - self._last_count_line >= NODE_COUNT_INTERVAL_SECONDS:
                self._last_count_line = now
                self.say(f"dbt: {self._dbt_done} of {self.dbt_nodes} nodes")
