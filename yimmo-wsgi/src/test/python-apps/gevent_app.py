"""An application that monkey-patches the standard library with gevent at import, as the
original's documentation allows, then uses patched sleep, sockets and threads in requests."""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402


def app(environ, start_response):
    started = time.monotonic()
    # Three greenlets sleeping 0.2 s each finish in about 0.2 s together, not 0.6 s.
    gevent.joinall([gevent.spawn(time.sleep, 0.2) for _ in range(3)])
    elapsed = time.monotonic() - started
    body = json.dumps({
        "patched_socket": monkey.is_module_patched("socket"),
        "patched_time": monkey.is_module_patched("time"),
        "patched_threading": monkey.is_module_patched("threading"),
        "socket_is_gevent": socket.socket.__module__,
        "elapsed": elapsed,
        "path": environ["PATH_INFO"],
        "thread": threading.current_thread().name,
    }).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
