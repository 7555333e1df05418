#!/usr/bin/python3
"""A bounded burst of DNS queries over UDP from the lab's client namespace.

Usage: dnsburst.py VIP NAME COUNT RATE_PER_S WAIT_S
Sends COUNT queries for NAME/A with distinct IDs at RATE_PER_S, then waits
WAIT_S for late answers, and prints JSON: sent, answered (distinct IDs),
duplicates (answers seen more than once), seconds.
"""
import json
import socket
import sys
import time

import dns.message

vip, name = sys.argv[1], sys.argv[2]
count, rate, wait_s = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
if not (0 < count <= 65536 and 0 < rate <= 100000 and 0 <= wait_s <= 30):
    sys.exit("COUNT must be 1..65536, RATE 1..100000, WAIT 0..30")

s = socket.socket(socket.AF_INET6 if ":" in vip else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.connect((vip, 53))
s.setblocking(False)
seen = {}
wires = []
for i in range(count):
    q = dns.message.make_query(name, "A")
    q.id = i
    wires.append(q.to_wire())


def drain():
    while True:
        try:
            b = s.recv(4096)
        except BlockingIOError:
            return
        if len(b) >= 2:
            qid = b[0] << 8 | b[1]
            seen[qid] = seen.get(qid, 0) + 1


start = time.monotonic()
for i, w in enumerate(wires):
    due = start + i / rate
    while time.monotonic() < due:
        drain()
    try:
        s.send(w)
    except OSError:
        pass
end = time.monotonic() + wait_s
while time.monotonic() < end:
    drain()
    time.sleep(0.01)
drain()
print(json.dumps({"sent": count, "answered": len(seen),
                  "duplicates": sum(1 for v in seen.values() if v > 1),
                  "seconds": round(time.monotonic() - start, 3)}))
