"""Reports whether Python's faulthandler is on inside the server (it must not be: its SIGSEGV
handler would abort the JVM, which uses SIGSEGV for its own null checks)."""

import faulthandler


def app(environ, start_response):
    body = str(faulthandler.is_enabled()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
