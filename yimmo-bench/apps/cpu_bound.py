"""A CPU-bound WSGI app for the process manager benchmark: about 2 ms of pure Python per request
(on the reference machine), holding the GIL throughout, so only more processes add throughput."""

ROUNDS = 50000


def work():
    total = 0
    for i in range(ROUNDS):
        total += i * i % 7
    return total


def app(environ, start_response):
    body = b"%d\n" % work()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
