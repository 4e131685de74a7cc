"""Hello world in Flask, for yimmo-bench/scripts/wsgi-vs-peers.sh.

    yimmo-wsgi/bin/yimmo-wsgi flask_hello:app        (from this directory)

Flask's routing, request and response objects around the same 14-byte body as
yimmo-wsgi/examples/hello.py, so the difference between the two apps is the framework.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!\n", 200, {"Content-Type": "text/plain"}
