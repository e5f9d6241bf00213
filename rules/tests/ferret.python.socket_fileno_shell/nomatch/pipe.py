import socket, subprocess
r, w = socket.socketpair()
p = subprocess.Popen(["/usr/bin/sort"], stdin=subprocess.PIPE, stdout=w.fileno())
p.communicate(b"b\na\n")
