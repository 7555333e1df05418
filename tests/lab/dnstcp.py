#!/usr/bin/python3
"""DNS-over-TCP checks against popdp from the lab's client namespace.

Usage: dnstcp.py VIP CHECK [ARGS...]
  pipeline NAME N        N queries in one write on one connection; all N answered
  split NAME             a query written byte by byte, 50 ms apart; answered
  idle SECONDS           an idle connection is closed by the server within SECONDS
  zero                   a zero length prefix: the server resets the connection
  connects NAME SECONDS [PARALLEL]  new connections, one query each, for SECONDS; prints
                         "tries N ok M" (bounded in time)
  synflood SECONDS PPS   raw SYNs from random ports of this host (bounded in time
                         and rate); prints "sent N"
"""
import os
import random
import socket
import struct
import sys
import time

import dns.message
import dns.rcode
import dns.rdatatype

vip, check = sys.argv[1], sys.argv[2]


def wire(name, qid, rtype="A"):
    q = dns.message.make_query(name, rtype)
    q.id = qid
    w = q.to_wire()
    return struct.pack("!H", len(w)) + w


def read_msg(s):
    hdr = b""
    while len(hdr) < 2:
        b = s.recv(2 - len(hdr))
        if not b:
            return None
        hdr += b
    n = struct.unpack("!H", hdr)[0]
    body = b""
    while len(body) < n:
        b = s.recv(n - len(body))
        if not b:
            return None
        body += b
    return dns.message.from_wire(body)


def conn(timeout=5.0):
    return socket.create_connection((vip, 53), timeout=timeout)


if check == "pipeline":
    name, n = sys.argv[3], int(sys.argv[4])
    s = conn()
    s.sendall(b"".join(wire(name, 1000 + i) for i in range(n)))
    ids = set()
    for _ in range(n):
        m = read_msg(s)
        if m is None:
            print("FAIL connection closed after %d answers" % len(ids))
            sys.exit(1)
        if m.rcode() != dns.rcode.NOERROR or not m.answer:
            print("FAIL answer %d: %s" % (m.id, dns.rcode.to_text(m.rcode())))
            sys.exit(1)
        ids.add(m.id)
    ok = ids == set(1000 + i for i in range(n))
    print("%s %d answers on one connection" % ("ok" if ok else "FAIL", len(ids)))
    sys.exit(0 if ok else 1)

if check == "split":
    s = conn()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for b in wire(sys.argv[3], 4242):
        s.send(bytes([b]))
        time.sleep(0.05)
    m = read_msg(s)
    ok = m is not None and m.id == 4242 and m.answer
    print("ok" if ok else "FAIL no answer")
    sys.exit(0 if ok else 1)

if check == "idle":
    limit = float(sys.argv[3])
    s = conn(timeout=limit + 5)
    t0 = time.monotonic()
    try:
        b = s.recv(10)
    except socket.timeout:
        print("FAIL still open after %.1f s" % (time.monotonic() - t0))
        sys.exit(1)
    dt = time.monotonic() - t0
    ok = b == b"" and dt <= limit
    print("%s closed by the server after %.2f s" % ("ok" if ok else "FAIL", dt))
    sys.exit(0 if ok else 1)

if check == "zero":
    s = conn()
    s.sendall(b"\x00\x00")
    try:
        b = s.recv(10)
        ok = b == b""
    except ConnectionResetError:
        ok = True
    print("ok" if ok else "FAIL")
    sys.exit(0 if ok else 1)

if check == "connects":
    # Several connecting threads: a SYN that a flood crowds out costs its
    # thread a 1 s retransmission, not the whole sample.
    import threading
    name, seconds = sys.argv[3], float(sys.argv[4])
    parallel = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    end = time.monotonic() + seconds
    counts = [[0, 0] for _ in range(parallel)]

    def connect_loop(k):
        while time.monotonic() < end and counts[k][0] < 100000:
            counts[k][0] += 1
            try:
                s = conn(timeout=3.0)
                s.sendall(wire(name, (counts[k][0] * parallel + k) & 0xffff))
                m = read_msg(s)
                if m is not None and m.answer:
                    counts[k][1] += 1
                s.close()
            except OSError:
                pass

    threads = [threading.Thread(target=connect_loop, args=(k,)) for k in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("tries %d ok %d" % (sum(c[0] for c in counts), sum(c[1] for c in counts)))
    sys.exit(0)

if check == "synflood":
    seconds, pps = float(sys.argv[3]), int(sys.argv[4])
    src = socket.inet_aton(os.environ.get("SRC", "198.18.0.2"))
    dst = socket.inet_aton(vip)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)

    def csum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        return ~s & 0xFFFF

    sent = 0
    t0 = time.monotonic()
    end = t0 + seconds
    while time.monotonic() < end and sent < pps * seconds:
        sport = random.randint(1024, 65535)
        seq = random.getrandbits(32)
        opts = struct.pack("!BBH", 2, 4, 1460)
        hdr = struct.pack("!HHIIBBHHH", sport, 53, seq, 0, (5 + 1) << 4, 0x02, 65535, 0, 0) + opts
        ph = src + dst + struct.pack("!BBH", 0, 6, len(hdr))
        hdr = hdr[:16] + struct.pack("!H", csum(ph + hdr)) + hdr[18:]
        raw.sendto(hdr, (vip, 0))
        sent += 1
        if sent % 100 == 0:
            ahead = sent / pps - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    print("sent %d" % sent)
    sys.exit(0)

print("unknown check", check)
sys.exit(2)
