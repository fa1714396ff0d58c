"""`pathing serve` (what `make run` runs) says which port is taken and how to choose another, and stops."""
import os
import socket
import subprocess
import sys
import tempfile

from web import PROJECT_ROOT


def _serve(args, env_extra=None):
    env = {key: value for key, value in os.environ.items() if key not in ("PORT", "HOST")}
    env.update(PATHING_INSTANCE=tempfile.mkdtemp(prefix="pathing-port-"), SECRET_KEY="port-test",
               DATABASE_URL="sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="pathing-port-db-"), "p.db"),
               **(env_extra or {}))
    command = [os.path.join(os.path.dirname(sys.executable), "pathing"), "serve", *args]
    return subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)


def _taken_port():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    return holder, holder.getsockname()[1]


def test_a_taken_port_gives_one_clear_line_and_a_failing_exit():
    holder, port = _taken_port()
    with holder:
        result = _serve(["--port", str(port), "--workers", "2", "--no-worker"])
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"Port {port} on 127.0.0.1 is taken by another program; choose another port, e.g. "
                     f"PORT={port + 1} make run (or pathing serve --port {port + 1})."]
    assert "running on" not in result.stdout


def test_port_and_host_come_from_the_environment_as_in_make_run():
    holder, port = _taken_port()
    with holder:
        result = _serve(["--no-worker"], {"PORT": str(port), "HOST": "127.0.0.1"})
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is taken" in result.stderr


def test_make_run_serves_with_gunicorn_workers():
    with open(os.path.join(PROJECT_ROOT, "Makefile"), encoding="utf-8") as handle:
        recipe = handle.read().split("\nrun: setup\n", 1)[1].split("\n\n", 1)[0]
    assert "pathing demo" in recipe and "pathing serve --workers $(WORKERS)" in recipe
