"""A second module, so that tests can tell which MODULE setting won."""


def app(environ, start_response):
    body = b'{"app": "other_module.app"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
