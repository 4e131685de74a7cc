"""The application of the PEP 3333 integration suite (org.yimmo.wsgi.Wsgi*Test).

One app, routed on the first segment of PATH_INFO, so one server process serves a whole test
class. Query parameters pick the variant. Process-wide state (close() calls, what a request saw
of its client going away) is kept in globals and read back with /state?key=...

With YIMMO_TEST_VALIDATE=1 in the environment the app wraps itself in
wsgiref.validate.validator, which raises AssertionError (in the server log) at the first
PEP 3333 violation of the server or of the app.
"""

import hashlib
import json
import os
import sys
import threading
import time
from urllib.parse import parse_qs

import yimmo

_lock = threading.Lock()
STATE = {}


def _record(key, value):
    with _lock:
        STATE.setdefault(key, []).append(value)


def _query(environ):
    return {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}


def _json(start_response, value, status="200 OK", headers=()):
    body = json.dumps(value).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))] + list(headers))
    return [body]


def _text(start_response, text, status="200 OK"):
    body = text.encode("latin-1") if isinstance(text, str) else text
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


# --- environ ------------------------------------------------------------------------------

def environ_app(environ, start_response, q):
    if "errors" in q:
        errors = environ["wsgi.errors"]
        errors.write("wsgi.errors line one: %s\n" % q["errors"])
        errors.writelines(["wsgi.errors line two: ", q["errors"], "\n"])
        errors.flush()
    out = {k: (v if type(v) is str else repr(v)) for k, v in environ.items()}
    out["yimmo.__version__"] = yimmo.__version__
    out["yimmo.server_info()"] = yimmo.server_info()
    out["file_wrapper_is_yimmo"] = environ["wsgi.file_wrapper"] is yimmo.FileWrapper
    return _json(start_response, out)


def file_app(environ, start_response, q):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), q.get("name", "pep3333_app.py"))
    size = os.path.getsize(path)
    f = open(path, "rb")
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
    return environ["wsgi.file_wrapper"](f, 1000)


# --- start_response -----------------------------------------------------------------------

BAD_RESPONSES = {
    "nonlatin1_value": ("200 OK", [("Content-Type", "text/plain"), ("X-Bad", "euro \u20ac")]),
    "nonlatin1_name": ("200 OK", [("Content-Type", "text/plain"), ("X-\u20ac", "1")]),
    "crlf_value": ("200 OK", [("Content-Type", "text/plain"), ("X-Bad", "a\r\nSet-Cookie: evil=1")]),
    "lf_value": ("200 OK", [("Content-Type", "text/plain"), ("X-Bad", "a\nb")]),
    "hop_connection": ("200 OK", [("Content-Type", "text/plain"), ("Connection", "close")]),
    "hop_transfer_encoding": ("200 OK", [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]),
    "status_no_reason": ("200", [("Content-Type", "text/plain")]),
    "status_words": ("OK 200", [("Content-Type", "text/plain")]),
    "status_two_digits": ("20 OK", [("Content-Type", "text/plain")]),
    "status_bytes": (b"200 OK", [("Content-Type", "text/plain")]),
    "status_crlf": ("200 OK\r\nX-Injected: 1", [("Content-Type", "text/plain")]),
    "header_int_value": ("200 OK", [("Content-Type", "text/plain"), ("X-Number", 5)]),
    "header_bytes_name": ("200 OK", [("Content-Type", "text/plain"), (b"X-Bytes", "1")]),
    "header_not_tuple": ("200 OK", [("Content-Type", "text/plain"), "X-Plain: 1"]),
    "header_space_name": ("200 OK", [("Content-Type", "text/plain"), ("X Bad", "1")]),
    "headers_tuple": ("200 OK", (("Content-Type", "text/plain"),)),
}


def bad_app(environ, start_response, q):
    status, headers = BAD_RESPONSES[q["case"]]
    start_response(status, headers)
    return [b"should not be sent\n"]


def excinfo_app(environ, start_response, q):
    case = q["case"]
    if case == "replace":
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Old", "1")])
        try:
            raise ValueError("replaced before anything was sent")
        except ValueError:
            start_response("503 Replaced", [("Content-Type", "text/plain"), ("X-New", "1")], sys.exc_info())
        return [b"replacement body\n"]
    if case == "reraise":
        def body():
            yield b"first part\n"
            try:
                raise ValueError("late failure after the head went out")
            except ValueError:
                try:
                    start_response("500 Late", [("Content-Type", "text/plain")], sys.exc_info())
                except ValueError as e:
                    _record("reraised", str(e))
                    raise
                _record("reraised", "NOT RE-RAISED")
            yield b"never\n"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body()
    if case == "twice":
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            start_response("200 OK", [("Content-Type", "text/plain")])
        except AssertionError as e:
            return _record("twice", str(e)) or [b"second call refused\n"]
        return [b"second call accepted\n"]
    raise KeyError(case)


def write_app(environ, start_response, q):
    count = int(q.get("n", "3"))
    delay = float(q.get("delay", "0"))
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    for i in range(count):
        write(b"write %d\n" % i)
        if delay:
            time.sleep(delay)
    return [b"returned\n"]


def emptyfirst_app(environ, start_response, q):
    delay = float(q.get("delay", "0.5"))

    def body():
        yield b""
        time.sleep(delay)
        yield b""
        yield b"data after empty chunks\n"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return body()


# --- response streaming -------------------------------------------------------------------

class Recorded:
    """A result iterable that records close() under its id."""

    def __init__(self, key, chunks, delay):
        self.key = key
        self.chunks = chunks
        self.delay = delay
        self.sent = 0

    def __iter__(self):
        for chunk in self.chunks:
            if self.sent and self.delay:
                time.sleep(self.delay)
            self.sent += 1
            yield chunk

    def close(self):
        _record("closed:" + self.key, self.sent)


def slow_app(environ, start_response, q):
    count = int(q.get("chunks", "4"))
    size = int(q.get("size", "10"))
    delay = float(q.get("delay", "0.3"))
    chunks = [(b"%d" % i) * size for i in range(count)]
    headers = [("Content-Type", "application/octet-stream")]
    if "length" in q:
        headers.append(("Content-Length", str(count * size)))
    start_response("200 OK", headers)
    return Recorded(q.get("id", "slow"), chunks, delay)


def length_app(environ, start_response, q):
    declared = int(q["declared"])
    sent = int(q["send"])
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(declared))])
    half = int(q.get("first", sent // 2))
    return Recorded(q.get("id", "length"), [b"a" * half, b"b" * (sent - half)], 0)


def state_app(environ, start_response, q):
    with _lock:
        value = list(STATE.get(q["key"], []))
    return _json(start_response, value)


# --- wsgi.input ---------------------------------------------------------------------------

def input_app(environ, start_response, q):
    stream = environ["wsgi.input"]
    mode = q["mode"]
    n = int(q.get("n", "0"))
    parts = []
    if mode == "read_n":
        while True:
            data = stream.read(n)
            if not data:
                break
            parts.append(data)
    elif mode == "read_all":
        parts.append(stream.read())
        parts.append(stream.read())  # b"" at the end
    elif mode == "read_length":
        parts.append(stream.read(int(environ.get("CONTENT_LENGTH") or "0")))
    elif mode == "readline_n":
        while True:
            line = stream.readline(n) if n else stream.readline()
            if not line:
                break
            parts.append(line)
    elif mode == "readlines":
        while True:
            lines = stream.readlines(n) if n else stream.readlines()
            if not lines:
                break
            parts.append(b"".join(lines))
            parts.append(b"|%d|" % len(lines))
            if not n:
                break
    elif mode == "iter":
        for line in stream:
            parts.append(line)
    else:
        raise KeyError(mode)
    return _json(start_response, {
        "parts": [p.decode("latin-1") for p in parts],
        "content_length": environ.get("CONTENT_LENGTH"),
    })


def sha256_app(environ, start_response, q):
    stream = environ["wsgi.input"]
    digest = hashlib.sha256()
    total = 0
    biggest = 0
    while True:
        data = stream.read(65536)
        if not data:
            break
        total += len(data)
        biggest = max(biggest, len(data))
        digest.update(data)
    return _json(start_response, {"sha256": digest.hexdigest(), "bytes": total, "biggest_read": biggest})


def expect_app(environ, start_response, q):
    time.sleep(float(q.get("delay", "0.5")))
    if q.get("read", "1") == "1":
        data = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
    else:
        data = b"not read"
    return _text(start_response, b"got: " + data)


def blockread_app(environ, start_response, q):
    """Reads the whole declared body; the test's client goes away half way."""
    key = q.get("id", "blockread")
    _record("reading:" + key, True)
    try:
        data = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        _record(key, "read %d bytes" % len(data))
    except OSError as e:
        _record(key, "OSError: %s" % e)
        raise
    return _text(start_response, b"read %d\n" % len(data))


# --- errors -------------------------------------------------------------------------------

class FailingClose:
    def __iter__(self):
        yield b"body of a result whose close() fails\n"

    def close(self):
        raise RuntimeError("boom in close()")


def error_app(environ, start_response, q):
    where = q["where"]
    if where == "before":
        raise RuntimeError("boom before start_response")
    start_response("200 OK", [("Content-Type", "text/plain")])
    if where == "after_start":
        raise RuntimeError("boom after start_response")
    if where == "first_next":
        def body():
            raise RuntimeError("boom in the first next()")
            yield b"never"
        return body()
    if where == "iter":
        def body():
            yield b"part one\n"
            raise RuntimeError("boom during iteration")
        return Recorded(q.get("id", "iter"), body(), 0)
    if where == "close":
        return FailingClose()
    if where == "not_bytes":
        return ["a str chunk"]
    raise KeyError(where)


# --- concurrency --------------------------------------------------------------------------

def sleep_app(environ, start_response, q):
    seconds = float(q.get("s", "2"))
    start = time.monotonic()
    time.sleep(seconds)
    return _text(start_response, "slept %.3f on %s\n" % (time.monotonic() - start, threading.current_thread().name))


ROUTES = {
    "environ": environ_app,
    "file": file_app,
    "bad": bad_app,
    "excinfo": excinfo_app,
    "write": write_app,
    "emptyfirst": emptyfirst_app,
    "slow": slow_app,
    "length": length_app,
    "state": state_app,
    "input": input_app,
    "sha256": sha256_app,
    "expect": expect_app,
    "blockread": blockread_app,
    "error": error_app,
    "sleep": sleep_app,
}


def app(environ, start_response):
    route = environ.get("PATH_INFO", "").lstrip("/").split("/", 1)[0]
    handler = ROUTES.get(route)
    if handler is None:
        return _json(start_response, {"route": route, "SCRIPT_NAME": environ.get("SCRIPT_NAME"),
                                      "PATH_INFO": environ.get("PATH_INFO")}, "404 Not Found")
    return handler(environ, start_response, _query(environ))


if os.environ.get("YIMMO_TEST_VALIDATE") == "1":
    from wsgiref.validate import validator

    _unwrapped = app
    _validated = validator(app)

    def app(environ, start_response):
        # Tests that break PEP 3333 on purpose opt out: the validator would stop them first.
        if environ.get("HTTP_X_TEST_UNVALIDATED") == "1":
            return _unwrapped(environ, start_response)
        return _validated(environ, start_response)
