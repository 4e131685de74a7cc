"""A small Flask application: a page, a form POST, a JSON route; Flask answers 404 itself."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/")
def hello():
    return "<p>Hello, World!</p>"


@app.route("/form", methods=["POST"])
def form():
    return "name=%s count=%d" % (request.form["name"], int(request.form["count"]) + 1)


@app.route("/json", methods=["GET", "POST"])
def json_route():
    if request.method == "POST":
        data = request.get_json()
        return jsonify(received=data, total=sum(data["numbers"]))
    return jsonify(framework="flask", args=request.args.to_dict())
