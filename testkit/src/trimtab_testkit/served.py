"""Serve an ASGI app with uvicorn on 127.0.0.1 in a thread of the test process (a real HTTP server, a free port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

START_SECONDS = 5.0


@contextmanager
def serve_in_thread(app: Callable[..., Any], *, log_level: str = "warning") -> Iterator[str]:
    """Serve `app` until the block ends; yield its base URL (http://127.0.0.1:PORT)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", ws="none", log_level=log_level))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.01)
    if not server.started:
        raise RuntimeError(f"uvicorn did not start within {START_SECONDS} s")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        if thread.is_alive():
            raise RuntimeError("uvicorn did not stop within 10 s")
