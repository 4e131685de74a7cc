"""Echoes the request body (a POST), for yimmo-bench/scripts/compare.sh; a GET gets an empty body.

    yimmo-wsgi/bin/yimmo-wsgi echo:app        (from this directory)
"""


def app(environ, start_response):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
    return [body]
