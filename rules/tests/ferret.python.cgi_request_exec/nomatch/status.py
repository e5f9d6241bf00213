#!/usr/bin/env python3
import cgi, subprocess
form = cgi.FieldStorage()
name = form.getvalue('name', '')
print("Content-Type: text/plain\n")
print(subprocess.check_output(["/usr/bin/uptime"]).decode())
print("hello", name)
