"""The web app served by several processes on one address (``safetynet serve --workers N``,
and the API benchmark's server): each process listens on a socket of its own bound to the
same address (``SO_REUSEPORT``), so the kernel spreads the clients' connections over them.

``uvicorn --workers N`` shares one listening socket: the process that wakes first accepts a
burst of new connections, often all of a hospital system's, and the other processes idle.
Each process runs the app from the environment's settings (as ``uvicorn --factory
safetynet.web.app:create_app``) with its own settlement writer: on PostgreSQL the writers
lock rows; on SQLite they write in turn (:mod:`safetynet.web.db`, the write turn), while
the other processes go on reading requests and pages on the other cores.
Usage: ``python -m safetynet.web.processes HOST PORT WORKERS``.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from types import FrameType

import uvicorn

MODULE = "safetynet.web.processes"  # run with -m, this module is __main__


def listening_socket(host: str, port: int) -> socket.socket:
    """``host``:``port``, shared with the other processes that bind it the same way."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def serve_one(host: str, port: int, log_level: str = "warning") -> None:
    """One server process on its own socket of the shared address."""
    # as `safetynet serve` runs it: the app itself believes forwarded addresses only from
    # SAFETYNET_TRUSTED_PROXIES, so uvicorn's own proxy-header middleware is left out
    config = uvicorn.Config(
        "safetynet.web.app:create_app", factory=True, log_level=log_level, access_log=False,
        proxy_headers=False,
    )  # fmt: skip
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def serve_many(host: str, port: int, workers: int, log_level: str = "warning") -> None:
    """``workers`` processes on ``host``:``port`` until this one is stopped (SIGTERM or
    Ctrl-C stop them all)."""
    if workers <= 1:
        serve_one(host, port, log_level)
        return
    children = [
        subprocess.Popen([sys.executable, "-m", MODULE, host, str(port), "1", log_level])
        for _ in range(workers)
    ]

    def stop(_signum: int, _frame: FrameType | None) -> None:
        for child in children:
            child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.wait()


if __name__ == "__main__":
    args = sys.argv[1:]
    serve_many(args[0], int(args[1]), int(args[2]), *(args[3:4] or ["warning"]))
