#!/usr/bin/python3
"""DNS checks against popdp from the lab's client namespace (Debian's python3
with dnspython). Each check prints one TAP line; numbering is the caller's.

Usage: dnscheck.py VIP CHECK [ARGS...]
  weighted NAME N          send N queries, print the share of each address
  resolve NAME TYPE        print rcode, flags and the answer's rdata, one per line
  flood NAME SECONDS OUT   query for SECONDS (bounded), write counts of
                           answered / lost / wrong to OUT as JSON
"""
import json
import os
import socket
import sys
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

vip, check = sys.argv[1], sys.argv[2]


SOURCE = os.environ.get("DNS_SRC")  # bind to this client address when set


def ask(name, rtype, timeout=2.0, **kw):
    q = dns.message.make_query(name, rtype, **kw)
    return dns.query.udp(q, vip, timeout=timeout, source=SOURCE)


if check == "resolve":
    r = ask(sys.argv[3], sys.argv[4], use_edns=0)
    print("rcode", dns.rcode.to_text(r.rcode()))
    print("flags", dns.flags.to_text(r.flags))
    for q in r.question:
        print("question", q.name.to_text())
    for rrset in r.answer:
        for rd in rrset:
            print("answer", rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl, rd.to_text())
    for rrset in r.authority:
        for rd in rrset:
            print("authority", rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl, rd.to_text())
    for rrset in r.additional:
        for rd in rrset:
            print("additional", rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
elif check == "ecs":
    import dns.edns
    name, rtype, addr, plen = sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
    r = ask(name, rtype, use_edns=0, options=[dns.edns.ECSOption(addr, plen)])
    print("rcode", dns.rcode.to_text(r.rcode()))
    for rrset in r.answer:
        for rd in rrset:
            print("answer", rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl, rd.to_text())
    for opt in r.options:
        if isinstance(opt, dns.edns.ECSOption):
            print("ecs", opt.address, opt.srclen, "scope", opt.scopelen)
elif check == "weighted":
    name, n = sys.argv[3], int(sys.argv[4])
    counts = {}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((vip, 53))
    lost = 0
    deadline = time.time() + 120
    window = 64
    sent = 0
    got = 0
    pending = {}
    while got + lost < n and time.time() < deadline:
        while sent < n and len(pending) < window:
            q = dns.message.make_query(name, "A")
            q.id = sent & 0xffff
            pending[q.id] = q
            s.send(q.to_wire())
            sent += 1
        try:
            data = s.recv(4096)
        except socket.timeout:
            lost += len(pending)
            pending.clear()
            continue
        r = dns.message.from_wire(data)
        if r.id not in pending:
            continue
        del pending[r.id]
        got += 1
        for rrset in r.answer:
            for rd in rrset:
                counts[rd.to_text()] = counts.get(rd.to_text(), 0) + 1
    print(json.dumps({"answered": got, "lost": lost, "counts": counts}))
elif check == "flood":
    name, secs, out = sys.argv[3], float(sys.argv[4]), sys.argv[5]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((vip, 53))
    stats = {"answered": 0, "lost": 0, "wrong": 0, "addresses": {}}
    end = time.time() + min(secs, 60)
    i = 0
    while time.time() < end:
        q = dns.message.make_query(name, "A")
        q.id = i & 0xffff
        i += 1
        s.send(q.to_wire())
        try:
            r = dns.message.from_wire(s.recv(4096))
        except socket.timeout:
            stats["lost"] += 1
            continue
        addrs = [rd.to_text() for rrset in r.answer for rd in rrset]
        if r.id != q.id or r.rcode() != 0 or len(addrs) != 1:
            stats["wrong"] += 1
            continue
        stats["answered"] += 1
        stats["addresses"][addrs[0]] = stats["addresses"].get(addrs[0], 0) + 1
    with open(out, "w") as f:
        json.dump(stats, f)
