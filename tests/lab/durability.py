#!/usr/bin/env python3
"""kill -9 popd at random points during change batches, restart it, and check
that every acknowledged batch is there and no batch is there in part.

Usage: durability.py POPD WORKDIR BATCHES SEED
Prints TAP lines for the caller (its numbering starts at 1; the caller renumbers).
"""
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time

popd, work, batches, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
instance = "dur%d" % os.getpid()
run_dir = os.path.join(work, "run")
state_dir = os.path.join(work, "state")
sock_path = os.path.join(run_dir, "control.sock")
log = open(os.path.join(work, "popd.log"), "ab")
proc = None


def start():
    global proc
    proc = subprocess.Popen([popd, "--instance", instance, "--run-dir", run_dir,
                             "--state-dir", state_dir], stdout=log, stderr=log)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            c = connect()
            c.close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("Bail out! popd did not come up (see %s)" % log.name)


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(sock_path)
    return s


def call(conn, command, args, rid=[0]):
    rid[0] += 1
    conn.sendall((json.dumps({"id": rid[0], "command": command, "args": args}) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("popd closed the connection")
        buf += chunk
    return json.loads(buf)


def kill9():
    proc.send_signal(signal.SIGKILL)
    proc.wait()


start()
conn = connect()
r = call(conn, "route53 create-hosted-zone", {"Name": "durable.example", "CallerReference": "dur-%d" % seed})
if not r.get("ok"):
    print("Bail out! create-hosted-zone failed: %s" % r)
    sys.exit(1)
zone = r["result"]["HostedZone"]["Id"]

acked = set()
attempted = set()
kills = 0
next_kill = rng.randint(5, 30)
b = 0
while b < batches:
    changes = [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "b%d-%s.durable.example" % (b, part), "Type": "A", "TTL": 60,
        "ResourceRecords": [{"Value": "198.18.%d.%d" % (b // 250, b % 250 + 1)}]}}
        for part in ("a", "b", "c")]
    attempted.add(b)
    if b == next_kill:
        # Kill while the batch is in flight: send it, then kill at once or a moment later.
        conn.sendall((json.dumps({"id": 999999, "command": "route53 change-resource-record-sets",
                                  "args": {"HostedZoneId": zone, "ChangeBatch": {"Changes": changes}}})
                      + "\n").encode())
        time.sleep(rng.choice([0, 0, 0.0005, 0.002, 0.01]))
        kill9()
        kills += 1
        conn.close()
        start()
        conn = connect()
        next_kill = b + rng.randint(5, 30)
        b += 1
        continue
    try:
        r = call(conn, "route53 change-resource-record-sets",
                 {"HostedZoneId": zone, "ChangeBatch": {"Changes": changes}})
    except (ConnectionError, OSError) as e:
        print("Bail out! lost the connection outside a kill: %s" % e)
        sys.exit(1)
    if r.get("ok"):
        acked.add(b)
    else:
        print("# batch %d refused: %s" % (b, r.get("error")))
    b += 1

kill9()
kills += 1
start()
conn = connect()
names = {}
args = {"HostedZoneId": zone}
pages = 0
while True:
    r = call(conn, "route53 list-resource-record-sets", args)
    if not r.get("ok"):
        print("Bail out! list failed: %s" % r)
        sys.exit(1)
    res = r["result"]
    for rr in res["ResourceRecordSets"]:
        names[rr["Name"].rstrip(".")] = rr
    pages += 1
    if not res.get("IsTruncated") or pages > 1000:
        break
    args = {"HostedZoneId": zone, "StartRecordName": res["NextRecordName"],
            "StartRecordType": res["NextRecordType"]}

lost = [b for b in sorted(acked) if any(("b%d-%s.durable.example" % (b, p)) not in names for p in "abc")]
partial = []
for b in sorted(attempted):
    have = [("b%d-%s.durable.example" % (b, p)) in names for p in "abc"]
    if any(have) and not all(have):
        partial.append(b)
print("# seed %d: %d batches, %d acknowledged, %d kills, %d record sets listed" %
      (seed, batches, len(acked), kills, len(names)))
print(("ok" if not lost else "not ok") + " 1 - every acknowledged batch survived kill -9 (lost: %s)" % lost[:10])
print(("ok" if not partial else "not ok") + " 2 - no batch is there in part (partial: %s)" % partial[:10])
print(("ok" if kills >= 3 else "not ok") + " 3 - popd was killed at least 3 times (%d)" % kills)
proc.send_signal(signal.SIGTERM)
proc.wait(timeout=10)
print(("ok" if proc.returncode == 0 else "not ok") + " 4 - popd stops cleanly after the run")
