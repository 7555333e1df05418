#!/usr/bin/python3
"""Watch a name's answer from the lab's client namespace (Debian's python3
with dnspython), for the health-check lab tests.

Usage: healthwatch.py VIP NAME TYPE until WANT SECONDS [SINCE]
         query every 10 ms until an answer holds WANT (and only it when it is
         an address), print the milliseconds it took, exit 1 on timeout
       healthwatch.py VIP NAME TYPE never WANT SECONDS
         query every 20 ms for SECONDS, print how many answers held WANT,
         exit 1 if any did
"""
import sys
import time

import dns.message
import dns.query

vip, name, rtype, mode, want, seconds = sys.argv[1:7]
deadline = time.monotonic() + min(float(seconds), 120.0)
start = time.monotonic()
if len(sys.argv) > 7:
    start -= time.time() - float(sys.argv[7])


def answer():
    q = dns.message.make_query(name, rtype)
    try:
        r = dns.query.udp(q, vip, timeout=0.5)
    except Exception:
        return []
    return [rd.to_text() for rrset in r.answer for rd in rrset]


if mode == "until":
    while time.monotonic() < deadline:
        if want in answer():
            print(int((time.monotonic() - start) * 1000))
            sys.exit(0)
        time.sleep(0.01)
    print("timeout")
    sys.exit(1)
hits = total = 0
while time.monotonic() < deadline:
    got = answer()
    total += 1
    hits += want in got
    time.sleep(0.02)
print("# %d of %d answers held %s" % (hits, total, want))
sys.exit(1 if hits else 0)
