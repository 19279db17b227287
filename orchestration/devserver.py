"""`make dev` / `make dev-stop`: run `dagster dev` so that it can always be stopped cleanly.

A process started in the background by a non-interactive shell inherits SIGINT (and sometimes
SIGTERM) as *ignored*, and `dagster dev` then never stops on Ctrl-C or `kill`. `start` resets
both to their defaults, starts `dagster dev` in its own process group and records the group in
DAGSTER_HOME/dagster-dev.pid; `stop` interrupts that whole group (webserver, daemon, code server)
and waits for it to exit.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from orchestration.settings import apply_process_environment, settings


def _pid_file() -> Path:
    return settings().dagster_home / "dagster-dev.pid"


def start(port: int = 3000) -> int:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setpgrp()  # one group: `stop` reaches the webserver, the daemon and the code server
    # telemetry off in the webserver, the daemon and the code server (children inherit it);
    # DAGSTER_HOME/dagster.yaml (copied by `make dev`) says it to Dagster too
    apply_process_environment()
    pid_file = _pid_file()
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(str(os.getpid()))
    dagster = str(Path(sys.executable).parent / "dagster")
    print(f"dagster dev on http://127.0.0.1:{port} (stop: Ctrl-C or `make dev-stop`)", flush=True)
    os.execv(dagster, [dagster, "dev", "--host", "127.0.0.1", "--port", str(port)])
    return 0  # not reached


def stop(timeout: float = 30.0) -> int:
    pid_file = _pid_file()
    if not pid_file.exists():
        print(f"no dagster dev recorded in {pid_file}", file=sys.stderr)
        return 0
    group = int(pid_file.read_text())
    try:
        os.killpg(group, signal.SIGINT)
    except ProcessLookupError:
        pid_file.unlink()
        return 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            pid_file.unlink(missing_ok=True)
            print("dagster dev stopped")
            return 0
        time.sleep(0.5)
    os.killpg(group, signal.SIGKILL)  # it did not stop on SIGINT in time
    pid_file.unlink(missing_ok=True)
    print(f"dagster dev killed after {timeout:.0f} s", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    command = (argv if argv is not None else sys.argv[1:]) or ["start"]
    return stop() if command[0] == "stop" else start()


if __name__ == "__main__":
    sys.exit(main())
