import requests, time
while True:
    r = requests.get("https://example.org/health")
    print(r.status_code)
    time.sleep(30)
