"""A 10 KiB response body, for yimmo-bench/scripts/compare.sh.

    yimmo-wsgi/bin/yimmo-wsgi payload:app        (from this directory)
"""

BODY = b"x" * 10239 + b"\n"


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
