"""A module that fails at import: yimmo-wsgi must exit non-zero with this traceback."""


def helper():
    raise ZeroDivisionError("raised while importing raises_at_import")


helper()


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"unreachable\n"]
