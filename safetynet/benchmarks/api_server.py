"""The API benchmark's server: ``uvicorn`` processes on one port, each listening on a socket
of its own (``SO_REUSEPORT``), so the kernel spreads the clients' connections over them.

``uvicorn --workers N`` shares one listening socket: the process that wakes first accepts a
burst of new connections, often all sixteen of the benchmark's, and the other processes
idle — a run then measured one loaded process or two by chance. Usage:
``python -m safetynet.benchmarks.api_server PORT WORKERS`` (the app from the environment's
settings, as ``uvicorn --factory safetynet.web.app:create_app``, with uvicorn's settings of
``safetynet serve``).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from types import FrameType

import uvicorn

MODULE = "safetynet.benchmarks.api_server"  # run with -m, this module is __main__


def listening_socket(port: int) -> socket.socket:
    """127.0.0.1:``port``, shared with the other processes that bind it the same way."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def serve_one(port: int) -> None:
    """One server process on its own socket of the shared port."""
    # as `safetynet serve` runs it: the app itself believes forwarded addresses only from
    # SAFETYNET_TRUSTED_PROXIES, so uvicorn's own proxy-header middleware is left out
    config = uvicorn.Config(
        "safetynet.web.app:create_app", factory=True, log_level="warning", access_log=False,
        proxy_headers=False,
    )  # fmt: skip
    uvicorn.Server(config).run(sockets=[listening_socket(port)])


def main(argv: list[str]) -> None:
    port, workers = int(argv[0]), int(argv[1])
    if workers <= 1:
        serve_one(port)
        return
    children = [
        subprocess.Popen([sys.executable, "-m", MODULE, str(port), "1"]) for _ in range(workers)
    ]

    def stop(_signum: int, _frame: FrameType | None) -> None:
        for child in children:
            child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
