#!/usr/bin/env python3
"""Time from commit to INSYNC, through popd and a running popdp, in the lab:
a one-record change (median of N) and a 1,000,000-record zone import; and the
zones snapshot's bytes per record set. Prints figures; asserts nothing.

Usage: tables-bench.py LAB_NAME SOCKET TABLES_DIR [RECORDS]
"""
import glob
import json
import os
import socket
import statistics
import sys
import time

lab, sock_path, tables_dir = sys.argv[1], sys.argv[2], sys.argv[3]
records = int(sys.argv[4]) if len(sys.argv) > 4 else 1000000

conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(sock_path)
conn.settimeout(600)
buf = b""


def call(command, args):
    global buf
    conn.sendall((json.dumps({"command": command, "args": args}) + "\n").encode())
    while b"\n" not in buf:
        chunk = conn.recv(1 << 20)
        if not chunk:
            raise SystemExit("popd closed the connection")
        buf += chunk
    line, buf = buf.split(b"\n", 1)
    r = json.loads(line)
    if not r.get("ok"):
        raise SystemExit("%s failed: %s" % (command, r.get("error")))
    return r["result"]


def until_insync(change_id, limit_s=600):
    deadline = time.time() + limit_s
    while time.time() < deadline:
        if call("route53 get-change", {"Id": change_id})["ChangeInfo"]["Status"] == "INSYNC":
            return True
    return False


zone = call("route53 create-hosted-zone", {"Name": "bench.example", "CallerReference": "bench-%d" % os.getpid()})["HostedZone"]["Id"]
times = []
for i in range(30):
    t0 = time.perf_counter()
    r = call("route53 change-resource-record-sets", {"HostedZoneId": zone, "ChangeBatch": {"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": "www.bench.example", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "198.18.0.%d" % (i + 1)}]}}]}})
    until_insync(r["ChangeInfo"]["Id"])
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print("one-record change, commit to INSYNC on every worker: median %.2f ms (min %.2f, max %.2f, n=%d)"
      % (statistics.median(times), times[0], times[-1], len(times)))

big = call("route53 create-hosted-zone", {"Name": "big.example", "CallerReference": "big-%d" % os.getpid()})["HostedZone"]["Id"]
lines = ["$ORIGIN big.example.", "$TTL 300"]
lines += ["r%d IN A 198.18.%d.%d" % (i, (i >> 8) & 255, i & 255) for i in range(records)]
text = "\n".join(lines) + "\n"
t0 = time.perf_counter()
r = call("route53 import-zone", {"HostedZoneId": big, "ZoneFile": text})
t1 = time.perf_counter()
ok = until_insync(r["ChangeInfo"]["Id"])
t2 = time.perf_counter()
print("%d-record zone import: committed and published in %.2f s, INSYNC on every worker after %.2f s%s"
      % (records, t1 - t0, t2 - t0, "" if ok else " (NOT in sync after 600 s)"))
snaps = sorted(glob.glob(os.path.join(tables_dir, "zones.*")), key=os.path.getmtime)
if snaps:
    size = os.path.getsize(snaps[-1])
    print("zones snapshot: %.1f MB for %d record sets: %.0f bytes per record set"
          % (size / 1e6, records + 34, size / (records + 34)))
