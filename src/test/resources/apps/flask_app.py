"""A minimal Flask app."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/")
def index():
    return "Hello from Flask"


@app.route("/json/<name>")
def greet(name):
    return jsonify(greeting="hello", name=name)


application = app
