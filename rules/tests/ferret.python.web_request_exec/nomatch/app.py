from flask import Flask, request
import subprocess
app = Flask(__name__)

@app.route("/version")
def version():
    ref = request.args.get("ref", "HEAD")
    return subprocess.check_output(["git", "rev-parse", "--", ref])
