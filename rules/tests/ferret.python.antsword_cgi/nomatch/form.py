#!/usr/bin/env python
import cgi
form = cgi.FieldStorage()
z0 = form.getvalue("z0", "")
print("Content-Type: text/html\n")
print("<p>->" + z0 + "</p>")
