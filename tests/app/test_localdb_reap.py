"""``db stop`` sees a Neo4j that exited but is not yet reaped (a zombie) as stopped."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from app import localdb

# a parent that starts a child carrying Neo4j's entry point in its argv (so ``_pid`` takes
# it for the server), prints the child's pid and never reaps it, as `oncoregio up` did
PARENT = f"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)",
                          "{localdb.ENTRY_POINT}"])
print(child.pid, flush=True)
time.sleep(120)
"""


def proc_state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return None


def test_stop_returns_promptly_for_a_zombie_without_sigkill(tmp_path, capsys):
    inst = localdb.instance("zombie", root=tmp_path, bolt_port=1, http_port=2)
    inst.pid_file.parent.mkdir(parents=True)
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              text=True)
    try:
        pid = int(parent.stdout.readline())
        inst.pid_file.write_text(str(pid))
        # the child's command line can lag its pid under load: wait for it (bounded)
        deadline = time.monotonic() + 20
        while localdb._pid(inst) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert localdb._pid(inst) == pid and localdb._alive(pid)
        assert localdb.stop(inst, timeout=30) is True
        assert "killing" not in capsys.readouterr().err  # stopped by SIGTERM, not SIGKILL
        assert proc_state(pid) == "Z"  # exited; its parent has not collected it
        assert not localdb._alive(pid) and not inst.pid_file.exists()
    finally:
        parent.kill()
        parent.wait(timeout=30)


def test_reap_when_done_collects_our_exited_child():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    thread = localdb.reap_when_done(child)
    thread.join(timeout=30)
    assert not thread.is_alive() and child.returncode == 0
    deadline = time.monotonic() + 10
    while proc_state(child.pid) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc_state(child.pid) is None  # no zombie left behind
