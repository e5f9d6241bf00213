def checksum(data):
    c = 0
    for b in data:
        c = c ^ b
    return c
print(checksum(b"hello"))
