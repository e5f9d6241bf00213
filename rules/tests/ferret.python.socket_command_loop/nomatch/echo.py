import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 7007))
s.listen(1)
c, a = s.accept()
while True:
    data = c.recv(1024)
    c.send(data)
