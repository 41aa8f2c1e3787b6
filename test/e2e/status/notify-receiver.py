# Stands in for systemd's end of sd_notify: binds a unix datagram socket at argv[1]
# and prints each datagram as one JSON string per line. Stops by itself after
# STOPPING=1, or after argv[2] seconds (default 60) with nothing more to read.
import json, os, socket, sys

path = sys.argv[1]
limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(limit)
print("listening", flush=True)
try:
    while True:
        message = sock.recv(4096).decode()
        print(json.dumps(message), flush=True)
        if "STOPPING=1" in message.split("\n"):
            break
except socket.timeout:
    pass
finally:
    os.unlink(path)
