"""The soak test's application: a hello world that touches what a real app touches per request
(environ, wsgi.input, start_response, a generator body), and a probe that reports the Python
object count."""

import gc


def _body(n):
    yield b"Hello, "
    yield b"World! " * n


def app(environ, start_response):
    if environ["PATH_INFO"] == "/objects":
        gc.collect()
        body = str(len(gc.get_objects())).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    environ["wsgi.input"].read()
    agent = environ.get("HTTP_USER_AGENT", "")
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Agent-Length", str(len(agent)))])
    return _body(1 + len(environ["QUERY_STRING"]) % 3)
