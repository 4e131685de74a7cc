"""The process manager tests' application: says which worker answered, and can be slow or stuck."""

import os
import sys
import time

# Read once, at import: a reload that re-imports the app serves the file's new content.
MARKER_FILE = os.environ.get("YIMMO_TEST_MARKER_FILE")
MARKER = open(MARKER_FILE).read() if MARKER_FILE else ""


def spin_forever():
    """A request stuck in pure Python: never returns, never releases the GIL for long."""
    n = 0
    while True:
        n += 1


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/slow":
        # The tests wait for this line before they signal: the request is then inside the app.
        print("slow request started in %d" % os.getpid(), file=sys.stderr, flush=True)
        time.sleep(float(environ.get("QUERY_STRING") or "2"))
        body = b"slow done %d" % os.getpid()
    elif path == "/stuck":
        spin_forever()
    elif path == "/multiprocess":
        body = repr(environ["wsgi.multiprocess"]).encode()
    elif path == "/marker":
        body = MARKER.encode()
    elif path == "/scheme":
        body = b"%s %d" % (environ["wsgi.url_scheme"].encode(), os.getpid())
    else:
        body = b"%d" % os.getpid()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
