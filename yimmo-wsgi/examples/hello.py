"""Hello world: the smallest WSGI application.

    yimmo-wsgi/bin/yimmo-wsgi hello:app        (from this directory, or with PYTHONPATH set to it)
"""


def app(environ, start_response):
    body = b"Hello, World!\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
