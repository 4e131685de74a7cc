"""Reports what serves it, as JSON: yimmo.server_info(), parts of the environ, the interpreter."""

import json
import os
import subprocess
import sys

import yimmo


def _body(environ):
    report = {
        "server_info": yimmo.server_info(),
        "script_name": environ["SCRIPT_NAME"],
        "path_info": environ["PATH_INFO"],
        "query_string": environ.get("QUERY_STRING", ""),
        "server_name": environ["SERVER_NAME"],
        "server_port": environ["SERVER_PORT"],
        "url_scheme": environ["wsgi.url_scheme"],
        "https": environ.get("HTTPS"),
        "multithread": environ["wsgi.multithread"],
        "multiprocess": environ["wsgi.multiprocess"],
        "executable": sys.executable,
        "prefix": sys.prefix,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "app": "report.app",
    }
    if environ.get("QUERY_STRING") == "subprocess":
        done = subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, text=True)
        report["subprocess"] = [done.returncode, done.stdout.strip()]
    if environ.get("QUERY_STRING") == "marker":
        import yimmo_marker
        report["marker"] = yimmo_marker.VALUE
        report["marker_file"] = yimmo_marker.__file__
    if environ.get("QUERY_STRING") == "python-ssl":
        report["python_ssl"] = _python_ssl()
    return json.dumps(report).encode("utf-8")


def _python_ssl():
    """Python's own OpenSSL, in the process whose TLS the server's engine does: a handshake and
    a record between two in-memory SSLObjects, with the certificate the test gives, and a digest."""
    import hashlib
    import ssl

    cert, key = os.environ["YIMMO_TEST_TLS_CERT"], os.environ["YIMMO_TEST_TLS_KEY"]
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cert)
    client_in, client_out, server_in, server_out = (ssl.MemoryBIO() for _ in range(4))
    client_end = client.wrap_bio(client_in, client_out, server_hostname="127.0.0.1")
    server_end = server.wrap_bio(server_in, server_out, server_side=True)
    handshaking = [client_end, server_end]
    for _ in range(10):
        for end in list(handshaking):
            try:
                end.do_handshake()
                handshaking.remove(end)
            except ssl.SSLWantReadError:
                pass
        server_in.write(client_out.read())
        client_in.write(server_out.read())
    client_end.write(b"ping")
    server_in.write(client_out.read())
    return {"openssl": ssl.OPENSSL_VERSION, "version": server_end.version(), "echo": server_end.read().decode(),
            "sha256": hashlib.sha256(b"yimmo").hexdigest()}


def app(environ, start_response):
    if environ["PATH_INFO"] == "/hello":
        import hello  # examples/hello.py, with PYTHONPATH set to examples
        return hello.app(environ, start_response)
    if environ.get("QUERY_STRING") == "raise":
        raise RuntimeError("asked to fail")
    body = _body(environ)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def other(environ, start_response):
    body = b'{"app": "report.other"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def make(name):
    """A factory: make("x") answers {"app": "report.make:x"}."""
    def made(environ, start_response):
        body = json.dumps({"app": "report.make:" + name}).encode("utf-8")
        start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    return made
