"""The app served by a real uvicorn on a loopback port (for tests that need real sockets:
disconnecting clients, concurrent requests, a database going away)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI

from tests.helpers import free_port

#: how long the server may take to start or stop
START_SECONDS = 30.0


@dataclass(frozen=True)
class Live:
    app: FastAPI
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def live_app(app: FastAPI) -> Iterator[Live]:
    """Serve ``app`` on 127.0.0.1 (lifespan included) until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on", log_config=None))
    thread = threading.Thread(target=server.run, name="live-uvicorn", daemon=True)
    thread.start()
    end = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > end:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield Live(app, "127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(START_SECONDS)


def wait_until(check: Any, what: str, seconds: float = 20.0, step: float = 0.02) -> Any:
    """Poll ``check()`` until it is truthy (returned), at most ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {seconds} s: {what}")


def raw_post(port: int, path: str, token: str, body: dict[str, Any]) -> socket.socket:
    """POST ``body`` as JSON to ``path`` on 127.0.0.1:``port`` over a bare socket and leave the
    answer unread: closing the socket is a client that goes away mid-request."""
    data = json.dumps(body).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
              + b"Content-Type: application/json\r\n"
              + f"Authorization: Bearer {token}\r\nContent-Length: {len(data)}\r\n\r\n".encode()
              + data)
    return s
