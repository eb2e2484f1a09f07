"""Start a real, throw-away `redis-server` for tests: free localhost port, temp dir, no persistence.

Use `redis_url` as a fixture (import it into a test module, or register it in conftest.py):

    from tests.redis_server import redis_url  # noqa: F401  (pytest fixture)

    def test_something(redis_url: str) -> None: ...

The server is real so the Lua scripts, pipelining and concurrency are tested as they run in production; it is
skipped (with the reason) only when the `redis-server` binary is not installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def running_redis() -> Iterator[str]:
    """Yield `redis://127.0.0.1:PORT/0` of a fresh server; kill it and remove its directory afterwards."""
    binary = shutil.which("redis-server") or next(
        (path for path in ("/usr/bin/redis-server", "/usr/local/bin/redis-server") if os.path.exists(path)), None)
    if binary is None:
        pytest.skip("redis-server binary not found (apt-get install redis-server) — Redis index tests need it")
    directory = tempfile.mkdtemp(prefix="dedup-redis-")
    proc: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(5):  # another process may grab the port between probe and bind
            port = _free_port()
            proc = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", directory, "--daemonize", "no", "--loglevel", "warning"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while proc.poll() is None and time.monotonic() < deadline and not _ping(port):
                time.sleep(0.02)
            if proc.poll() is None and _ping(port):
                break
            proc.kill()
            proc.wait()
        else:
            raise RuntimeError("could not start redis-server on a free port")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """One real server per test session; tests isolate themselves with distinct `?prefix=` values."""
    with running_redis() as url:
        yield url
