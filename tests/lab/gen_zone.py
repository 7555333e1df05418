#!/usr/bin/python3
"""The differential test's zone and query corpus (t_dns_diff.sh).

Usage: gen_zone.py ZONEFILE CORPUS [SEED]

Writes one zone, diff.example., as an RFC 1035 master file that both pop
(popctl route53 import-zone) and Knot DNS load, with well over 1,000 names:
apex SOA, NS, MX, TXT, CAA, A, AAAA; hosts with A, AAAA, TXT, MX; wildcards
(with explicit names and empty non-terminals beside them); delegations with
in-bailiwick glue, out-of-zone and sibling name servers, DS at some cuts;
CNAME chains in the zone, to other zones, to missing names, to wildcards,
below cuts and in loops; empty non-terminals; SRV, PTR, NAPTR; record sets
too big for 512 bytes. Every name is lowercase (pop stores names in
lowercase, as Route 53 does; the queries carry the mixed case).

CORPUS gets one JSON object per line: {"cat": category, "name": qname,
"type": qtype, "edns": null | payload size, "rd": bool}. The same SEED
gives the same zone and corpus.
"""
import json
import random
import sys

ZONE = "diff.example."
OUT = "outside.example.net."


def main():
    zone_path, corpus_path = sys.argv[1], sys.argv[2]
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20261127)
    recs = []  # (owner relative or absolute, ttl, type, rdata)
    names = {}  # owner (relative) -> set of types
    q = []  # (category, qname relative or absolute, qtype)

    def add(owner, ttl, rtype, rdata):
        recs.append((owner, ttl, rtype, rdata))
        names.setdefault(owner, set()).add(rtype)

    def fq(rel):
        return ZONE if rel == "@" else (rel if rel.endswith(".") else rel + "." + ZONE)

    def v4(i):
        return "198.18.%d.%d" % (100 + (i // 250) % 100, 1 + i % 250)

    def v6(i):
        return "2001:2:0:%x::%x" % (100 + i // 4000, 1 + i % 4000)

    ttls = [60, 300, 3600, 86400]

    # ---------------------------------------------------------------- apex
    add("@", 900, "SOA", "ns1.diff.example. hostmaster.diff.example. 2026112701 7200 900 1209600 300")
    for ns in ("ns1.diff.example.", "ns2.diff.example.", "ns." + OUT):
        add("@", 172800, "NS", ns)
    for pref, mx in ((10, "mx1.diff.example."), (20, "mx2.diff.example."), (30, "mx." + OUT)):
        add("@", 3600, "MX", "%d %s" % (pref, mx))
    for t in ('"v=spf1 ip4:198.18.0.0/15 -all"', '"first string" "second string"',
              '"with \\"quotes\\" and ; semicolon"'):
        add("@", 300, "TXT", t)
    for c in ('0 issue "amazon.com"', '0 issuewild ";"', '128 iodef "mailto:sec@diff.example"'):
        add("@", 3600, "CAA", c)
    add("@", 60, "A", "198.18.99.1")
    add("@", 60, "AAAA", "2001:2:0:99::1")
    for i, n in enumerate(("ns1", "ns2", "mx1")):
        add(n, 3600, "A", "198.18.98.%d" % (i + 1))
        add(n, 3600, "AAAA", "2001:2:0:98::%d" % (i + 1))
    add("mx2", 3600, "A", "198.18.98.10")

    # --------------------------------------------------------------- hosts
    hosts = []
    for i in range(600):
        h = "h%03d" % i
        hosts.append(h)
        ttl = ttls[i % 4]
        for k in range(1 + i % 3):
            add(h, ttl, "A", v4(i * 3 + k))
        if i % 2 == 0:
            add(h, ttl, "AAAA", v6(i))
        if i % 5 == 0:
            add(h, 300, "TXT", '"host %d"' % i)
        if i % 10 == 3:
            add(h, 3600, "MX", "10 mx1.diff.example.")
            add(h, 3600, "MX", "20 %s.diff.example." % hosts[rnd.randrange(len(hosts))])
        if i % 50 == 7:
            add("child." + h, 300, "A", v4(5000 + i))  # h is then not a leaf

    # ----------------------------------------------------- empty non-terminals
    ents = []
    for i in range(40):
        add("x.y.e%02d" % i, 300, "A", v4(2000 + i))
        ents += ["y.e%02d" % i, "e%02d" % i]
    add("deep.a.b.c.d.ent", 300, "TXT", '"deep"')
    ents += ["a.b.c.d.ent", "b.c.d.ent", "c.d.ent", "d.ent", "ent"]

    # ----------------------------------------------------------- wildcards
    wild_types = []
    for i in range(20):
        w = "w%02d" % i
        kinds = [("A",), ("A", "AAAA"), ("TXT",), ("MX",), ("A", "TXT", "AAAA")][i % 5]
        for t in kinds:
            if t == "A":
                add("*." + w, 300, "A", v4(3000 + i))
            elif t == "AAAA":
                add("*." + w, 300, "AAAA", v6(3000 + i))
            elif t == "TXT":
                add("*." + w, 600, "TXT", '"wildcard %d"' % i)
            elif t == "MX":
                add("*." + w, 3600, "MX", "10 mx1.diff.example.")
        add("x." + w, 120, "A", v4(3100 + i))  # an explicit name beside the wildcard
        add("a.ent." + w, 120, "A", v4(3200 + i))  # ent.wNN: an empty non-terminal
        wild_types.append((w, kinds))
    # wildcard CNAMEs: to a host, into a chain, out of the zone
    add("*.wc", 300, "CNAME", "h005.diff.example.")
    add("*.wcc", 300, "CNAME", "cin001.diff.example.")
    add("*.wco", 300, "CNAME", "www." + OUT)

    # -------------------------------------------------------- delegations
    dels = []
    for i in range(50):
        d = "d%02d" % i
        dels.append(d)
        kind = i % 5
        if kind in (0, 1):  # in-bailiwick name servers with glue (A and AAAA)
            for n in ("ns1", "ns2"):
                add(d, 86400, "NS", "%s.%s.diff.example." % (n, d))
                add("%s.%s" % (n, d), 86400, "A", v4(4000 + i * 2 + (n == "ns2")))
                if kind == 0:
                    add("%s.%s" % (n, d), 86400, "AAAA", v6(4000 + i * 2 + (n == "ns2")))
        elif kind == 2:  # name servers in another zone: no glue
            add(d, 86400, "NS", "ns1.%s.%s" % (d, OUT))
            add(d, 86400, "NS", "ns2.%s.%s" % (d, OUT))
        elif kind == 3:  # name servers elsewhere in this zone (not glue)
            add(d, 86400, "NS", "ns1.diff.example.")
            add(d, 86400, "NS", "%s.diff.example." % hosts[i])
        else:  # mixed: one in-bailiwick with glue, one sibling under another cut
            add(d, 86400, "NS", "ns.%s.diff.example." % d)
            add("ns.%s" % d, 86400, "A", v4(4200 + i))
            add(d, 86400, "NS", "ns1.d00.diff.example.")
        if i % 2 == 0:
            add(d, 3600, "DS", "%d 13 2 %064x" % (10000 + i, rnd.getrandbits(256)))
            if i % 4 == 0:
                add(d, 3600, "DS", "%d 8 1 %040x" % (20000 + i, rnd.getrandbits(160)))
    # a cut with many name servers: its glue does not fit in 512 bytes
    for k in range(13):
        add("bigdel", 86400, "NS", "ns%02d.bigdel.diff.example." % k)
        add("ns%02d.bigdel" % k, 86400, "A", v4(4500 + k))
        add("ns%02d.bigdel" % k, 86400, "AAAA", v6(4500 + k))
    dels.append("bigdel")

    # -------------------------------------------------------------- CNAMEs
    cnames = {}  # owner -> target (absolute)

    def cname(owner, target):
        add(owner, 300, "CNAME", target)
        cnames[owner] = target

    for i in range(100):
        cname("cin%03d" % i, "%s.diff.example." % hosts[rnd.randrange(len(hosts))])
    for i in range(30):  # chains of 2..7 CNAMEs ending at a host
        length = 2 + i % 6
        for k in range(length, 0, -1):
            tgt = ("ch%02ds%d.diff.example." % (i, k - 1)) if k > 1 else \
                "%s.diff.example." % hosts[(i * 7) % len(hosts)]
            cname("ch%02ds%d" % (i, k), tgt)
    for i in range(20):
        cname("cout%02d" % i, "www%d.%s" % (i, OUT))
    for i in range(10):
        cname("cnx%02d" % i, "missing%d.diff.example." % i)  # NXDOMAIN target
        cname("cwild%02d" % i, "foo%d.w%02d.diff.example." % (i, i))
        cname("cdel%02d" % i, "www.d%02d.diff.example." % i)
        cname("cent%02d" % i, "y.e%02d.diff.example." % i)
        cname("cchx%02d" % i, "cout%02d.diff.example." % i)  # in zone, then out
    for i in range(5):
        cname("loopa%d" % i, "loopb%d.diff.example." % i)
        cname("loopb%d" % i, "loopa%d.diff.example." % i)
        cname("self%d" % i, "self%d.diff.example." % i)
        cname("tri%da" % i, "tri%db.diff.example." % i)
        cname("tri%db" % i, "tri%dc.diff.example." % i)
        cname("tri%dc" % i, "tri%da.diff.example." % i)
    cname("capex", ZONE)
    cname("cmx", "mx1.diff.example.")
    cname("cbig", "big.diff.example.")

    # --------------------------------------------------- SRV, PTR, NAPTR
    for i in range(50):
        s = "s%02d" % i
        add("_sip._tcp." + s, 300, "SRV", "10 60 5060 %s.diff.example." % hosts[i])
        add("_sip._tcp." + s, 300, "SRV", "20 40 5060 %s.diff.example." % hosts[i + 100])
        add("_sip._udp." + s, 300, "SRV", "0 0 0 .")  # "no service" (RFC 2782)
        add("_xmpp._tcp." + s, 600, "SRV", "5 0 5269 xmpp.%s" % OUT)
    for i in range(50):
        add("%d.rev" % i, 3600, "PTR", "%s.diff.example." % hosts[i])
    for i in range(20):
        add("nap%02d" % i, 3600, "NAPTR",
            '100 10 "U" "E2U+sip" "!^.*$!sip:info@diff.example!" .')
        add("nap%02d" % i, 3600, "NAPTR",
            '102 10 "S" "SIP+D2U" "" _sip._udp.s%02d.diff.example.' % i)

    # ------------------------------------------------------- big answers
    for k in range(8):
        add("medium", 300, "TXT", '"%s"' % ("m%d" % k * 30)[:90])
    for k in range(20):
        add("big", 300, "TXT", '"%s"' % ("b%02d" % k * 40)[:200])
    for k in range(40):
        add("manya", 300, "A", v4(6000 + k))
    for k in range(12):
        add("manymx", 300, "MX", "%d mxt%02d.diff.example." % (k, k))
        add("mxt%02d" % k, 300, "A", v4(6100 + k))
        add("mxt%02d" % k, 300, "AAAA", v6(6100 + k))

    # ============================================================ the file
    with open(zone_path, "w") as f:
        f.write("$ORIGIN %s\n$TTL 300\n" % ZONE)
        for owner, ttl, rtype, rdata in recs:
            f.write("%s\t%d\tIN\t%s\t%s\n" % (owner, ttl, rtype, rdata))

    # ============================================================ the corpus
    all_types = ["A", "AAAA", "NS", "SOA", "MX", "TXT", "CAA", "SRV", "PTR", "NAPTR", "DS",
                 "CNAME", "ANY"]
    odd_types = ["HINFO", "SPF", "DNSKEY", "TLSA", "SSHFP", "TYPE65280", "RRSIG", "NSEC"]

    # apex: every type (present and absent)
    for t in all_types + odd_types:
        q.append(("apex", "@", t))
    for n in ("ns1", "ns2", "mx1", "mx2"):
        for t in ("A", "AAAA", "MX"):
            q.append(("apex", n, t))

    # existing names with their types
    for h in hosts:
        for t in sorted(names[h]):
            q.append(("existing", h, t))
    for i in range(0, 600, 50):
        q.append(("existing", "child.h%03d" % (i + 7), "A"))
    # existing names, absent types: NODATA
    for h in hosts[::2]:
        absent = [t for t in all_types + odd_types if t not in names[h] and t != "ANY"]
        for t in rnd.sample(absent, 3):
            q.append(("nodata", h, t))
    # non-existent names under every kind of node
    for i in range(200):
        q.append(("nxdomain", "nx%d" % i, rnd.choice(["A", "AAAA", "MX", "TXT", "NS", "DS"])))
    for i in range(0, 600, 6):
        q.append(("nxdomain", "sub.%s" % hosts[i], rnd.choice(["A", "AAAA", "TXT"])))
    for e in ents:
        q.append(("nxdomain", "nope." + e, "A"))
    for i in range(30):
        q.append(("nxdomain", "x.cin%03d" % i, "A"))  # below a CNAME owner
        q.append(("nxdomain", "a.b.c.nx%d" % i, "AAAA"))
        q.append(("nxdomain", "x._tcp.s%02d" % i, "SRV"))
    # empty non-terminals
    for e in ents:
        for t in ("A", "AAAA", "TXT", "NS", "ANY"):
            q.append(("ent", e, t))
    for i in range(50):
        q.append(("ent", "_tcp.s%02d" % i, "SRV"))
        q.append(("ent", "rev" if i == 0 else "_udp.s%02d" % i, "A"))
    # wildcards
    for w, kinds in wild_types:
        for k in range(6):
            label = rnd.choice(["foo", "bar", "www", "mail", "q%d" % k])
            for t in ("A", "AAAA", "TXT", "MX", "NS", "ANY"):
                q.append(("wildcard", "%s%d.%s" % (label, k, w), t))
        q.append(("wildcard", "a.b.c.%s" % w, "A"))  # several labels below
        q.append(("wildcard", "x.%s" % w, "A"))  # the explicit name, not the wildcard
        q.append(("wildcard", "x.%s" % w, "TXT"))  # explicit name: NODATA, no synthesis
        q.append(("wildcard", "y.x.%s" % w, "A"))  # below the explicit name: NXDOMAIN
        q.append(("wildcard", "ent.%s" % w, "A"))  # an ENT beside the wildcard: NODATA
        q.append(("wildcard", "z.ent.%s" % w, "A"))  # below that ENT: NXDOMAIN
        q.append(("wildcard", "*.%s" % w, "A"))  # the wildcard's own name
        q.append(("wildcard", "*.%s" % w, "TXT"))
        q.append(("wildcard", w, "A"))  # the wildcard's parent: an ENT
    for i in range(20):
        for t in ("A", "AAAA", "CNAME", "MX"):
            q.append(("wildcard-cname", "n%d.wc" % i, t))
        q.append(("wildcard-cname", "n%d.wcc" % i, "A"))
        q.append(("wildcard-cname", "n%d.wco" % i, "A"))
    # delegations
    for d in dels:
        for t in ("A", "AAAA", "NS", "SOA", "MX", "TXT", "ANY"):
            q.append(("delegation", d, t))
        for t in ("A", "AAAA", "NS", "MX"):
            q.append(("delegation", "www." + d, t))
        q.append(("delegation", "a.b.c." + d, "A"))
        for n in ("ns1", "ns2", "ns"):
            q.append(("delegation", "%s.%s" % (n, d), "A"))
        q.append(("delegation", "ns1.%s" % d, "AAAA"))
    # DS: at cuts with and without DS, below cuts, elsewhere
    for d in dels:
        q.append(("ds", d, "DS"))
        q.append(("ds", "www." + d, "DS"))
    for n in ("@", "h001", "cin002", "e01", "nx-ds", "x.w01", "foo.w01"):
        q.append(("ds", n, "DS"))
    # CNAMEs
    for owner, target in sorted(cnames.items()):
        for t in ("A", "AAAA", "CNAME", "TXT", "MX"):
            q.append(("cname", owner, t))
    for owner, target in sorted(cnames.items())[::3]:
        if target.endswith(ZONE):
            q.append(("cname", target, "A"))  # the targets asked directly
    # SRV, PTR, NAPTR, CAA
    for i in range(50):
        q.append(("srv-ptr-naptr", "_sip._tcp.s%02d" % i, "SRV"))
        q.append(("srv-ptr-naptr", "_sip._udp.s%02d" % i, "SRV"))
        q.append(("srv-ptr-naptr", "_xmpp._tcp.s%02d" % i, "SRV"))
        q.append(("srv-ptr-naptr", "%d.rev" % i, "PTR"))
        q.append(("srv-ptr-naptr", "%d.rev" % i, "A"))
    for i in range(20):
        q.append(("srv-ptr-naptr", "nap%02d" % i, "NAPTR"))
        q.append(("srv-ptr-naptr", "nap%02d" % i, "ANY"))
    # ANY at every kind of name
    for n in ["@", "ns1", "mx2"] + hosts[:120] + ["cin%03d" % i for i in range(10)] + \
            ["_sip._tcp.s01", "nap01", "medium", "manya"]:
        q.append(("any", n, "ANY"))
    # big answers: TC without EDNS, fit with it (the corpus also varies EDNS)
    for n, t in (("medium", "TXT"), ("big", "TXT"), ("manya", "A"), ("manymx", "MX"),
                 ("cbig", "TXT"), ("bigdel", "NS"), ("www.bigdel", "A"),
                 ("ns00.bigdel", "A"), ("@", "ANY"), ("medium", "ANY")):
        for _ in range(4):
            q.append(("big", n, t))
    # outside the zone: REFUSED
    for n in ("example.", "diff.example.org.", "www.example.com.", ".", "example.",
              "xdiff.example.", "net."):
        for t in ("A", "NS", "SOA"):
            q.append(("refused", n, t))

    # other classes (CH, HS, ANY) and an EDNS version pop and Knot do not
    # speak (BADVERS): the corpus line carries "class" or "ednsver"
    extra = []
    for n in ("version.bind.", "id.server.", "hostname.bind.", "version.server."):
        extra.append(("class", n, "TXT", {"class": "CH"}))
    for n, t in (("h001", "A"), ("@", "SOA"), ("nx1", "A"), ("d00", "NS")):
        extra.append(("class", n, t, {"class": "ANY"}))
        extra.append(("class", n, t, {"class": "HS"}))
        extra.append(("class", n, t, {"class": "CH"}))
    for n, t in (("h001", "A"), ("@", "SOA"), ("nx1", "A"), ("d00", "NS"), ("cin001", "A")):
        extra.append(("edns-version", n, t, {"ednsver": 1, "edns": 1232}))

    # mixed case: a sample of everything above, with the qname's case scrambled
    def scramble(name):
        return "".join(c.upper() if rnd.random() < 0.5 else c for c in name)

    base = list(q)
    for cat, n, t in rnd.sample(base, 600):
        q.append(("mixed-case", scramble(fq(n)), t))

    with open(corpus_path, "w") as f:
        for i, (cat, n, t, *more) in enumerate(q + extra):
            # EDNS: none, 512 (the floor), 1232 (the usual), 4096 (above pop's and
            # Knot's 1232); big answers try each. The DO bit stays off.
            line = {"cat": cat, "name": fq(n), "type": t, "edns": [None, 1232, None, 4096, 1232,
                                                                  512][i % 6], "rd": i % 3 != 0}
            line.update(more[0] if more else {})
            f.write(json.dumps(line) + "\n")
    sys.stderr.write("gen_zone: %d records, %d names, %d queries\n" %
                     (len(recs), len(names), len(q) + len(extra)))


if __name__ == "__main__":
    main()
