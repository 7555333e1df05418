#!/usr/bin/python3
"""Send a corpus of queries to pop and to Knot DNS and compare the answers
(t_dns_diff.sh; Debian's python3 with dnspython).

Usage: dnsdiff.py POP_ADDR KNOT_ADDR CORPUS DIFFS_OUT [SECONDS]

CORPUS is gen_zone.py's (one JSON query a line). For each query both
servers get the same bytes over UDP; their answers must agree on the rcode
(extended rcodes included), the header flags (AA, TC, RD, RA, AD, CD),
whether an OPT record came back (its version and payload size), the
question section, the case of the question's name on the records it owns,
the answer and authority sections as sets of RRsets (owner, type, TTL and
the set of rdata; order aside; names compared without case, RFC 4343), and
the A/AAAA RRsets of the additional section. When both set TC the sections
are not compared (a client retries over TCP and reads none of them).

What pop does on purpose as Route 53 does, where Knot answers otherwise, is
listed in ROUTE53 below with its source and left out of the comparison
(only that, for only the queries it concerns); Knot's own limits likewise
in KNOT_LIMITS.

Prints, per category, "ok <text>" or "not ok <text>" and "# " lines with
the first differing queries; writes every difference to DIFFS_OUT (JSON
lines: the query, pop's answer, Knot's answer). Bounded by SECONDS (default
150) and by the corpus.
"""
import json
import socket
import sys
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

pop_addr, knot_addr, corpus_path, diffs_path = sys.argv[1:5]
budget = float(sys.argv[5]) if len(sys.argv) > 5 else 150.0
deadline = time.time() + budget

FLAGS = dns.flags.AA | dns.flags.TC | dns.flags.RD | dns.flags.RA | dns.flags.AD | dns.flags.CD


def lower(text):
    return text.lower()


def rrset_key(rrset):
    # Names without their case (RFC 4343): both servers compress names in
    # record data against the question and so carry its case into them
    # (Knot the zone's suffix, pop whole names); the question's own case is
    # compared below.
    return (lower(rrset.name.to_text()), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl,
            tuple(sorted(lower(rd.to_text()) for rd in rrset)))


def view(r):
    """What is compared of an answer, as plain data (None: no answer)."""
    if r is None:
        return None
    qname = r.question[0].name.to_text() if r.question else None
    return {
        "rcode": dns.rcode.to_text(r.rcode()),
        "flags": dns.flags.to_text(r.flags & FLAGS),
        "edns": None if r.edns < 0 else {"version": r.edns, "payload": r.payload},
        "question": [(q.name.to_text(), dns.rdatatype.to_text(q.rdtype)) for q in r.question],
        # the question's case on the records it owns (0x20 resolvers check it)
        "qname_case": sorted(s.name.to_text() for s in r.answer + r.authority
                             if qname and lower(s.name.to_text()) == lower(qname)),
        "answer": sorted(rrset_key(s) for s in r.answer),
        "authority": sorted(rrset_key(s) for s in r.authority),
        "additional": sorted(rrset_key(s) for s in r.additional
                             if s.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)),
    }


# --------------------------------------------------------------------------
# What is set aside, each for exactly the queries it concerns: an id, its
# source, and a function (query, pop view, knot view) -> the two views with
# that behaviour taken out, or None when it does not apply.
#
# ROUTE53: where pop answers as Route 53 does on purpose and Knot otherwise.
# None so far: on this corpus pop's answers that differ from Knot's are not
# Route 53 behaviour pop copies on purpose (they are listed by the test as
# differences). Add an entry here, with the Route 53 document that says so,
# before setting any difference aside.
ROUTE53 = []


def knot_cname_limit(qd, pv, kv):
    """Knot stops after 5 CNAMEs (CNAME_CHAIN_MAX in Knot's
    src/knot/nameserver/internet.h) and sends what it has: the chain so far,
    no SOA, no additional. pop follows chains in the zone up to 16. For a
    longer chain, pop's answer must start with Knot's 5 CNAMEs; the rest of
    pop's answer is not compared."""
    if pv is None or kv is None or pv["rcode"] != kv["rcode"]:
        return None
    kc = [r for r in kv["answer"] if r[1] == "CNAME"]
    if len(kc) != 5 or len(kv["answer"]) != 5 or kv["authority"] or kv["additional"]:
        return None
    if not set(kv["answer"]) <= set(pv["answer"]) or len(pv["answer"]) <= 5:
        return None
    pv = dict(pv, answer=kv["answer"], authority=[], additional=[])
    return pv, kv


KNOT_LIMITS = [("Knot's CNAME chain limit of 5", "Knot's src/knot/nameserver/internet.h",
                knot_cname_limit)]


def exclude(qd, pv, kv):
    applied = []
    for rid, _source, fn in ROUTE53 + KNOT_LIMITS:
        res = fn(qd, pv, kv)
        if res is not None:
            pv, kv = res
            applied.append(rid)
    return pv, kv, applied


def compare(pv, kv):
    """The fields that differ, [] when the answers agree."""
    if pv is None or kv is None:
        return ["no answer from " + ("pop" if pv is None else "knot")] if pv != kv else []
    out = [k for k in ("rcode", "flags", "edns", "question") if pv[k] != kv[k]]
    if "TC" in pv["flags"].split() and "TC" in kv["flags"].split():
        return out
    out += [k for k in ("qname_case", "answer", "authority", "additional") if pv[k] != kv[k]]
    return out


class Client:
    def __init__(self, addr):
        self.s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET,
                               socket.SOCK_DGRAM)
        self.s.connect((addr, 53))
        self.s.settimeout(0.5)

    def ask(self, wire, qid, tries=3):
        for _ in range(tries):
            self.s.send(wire)
            end = time.time() + 0.5
            while time.time() < end:
                try:
                    data = self.s.recv(65535)
                except socket.timeout:
                    break
                if len(data) >= 2 and data[0] << 8 | data[1] == qid:
                    return data
        return None


pop, knot = Client(pop_addr), Client(knot_addr)
queries = [json.loads(line) for line in open(corpus_path)]
cats = {}
order = []
unanswered = 0
with open(diffs_path, "w") as df:
    for i, qd in enumerate(queries):
        if time.time() > deadline:
            break
        cat = qd["cat"]
        if cat not in cats:
            cats[cat] = {"n": 0, "agree": 0, "diffs": [], "excluded": {}, "seen": {}}
            order.append(cat)
        c = cats[cat]
        c["n"] += 1
        name = dns.name.from_text(qd["name"])
        m = dns.message.make_query(name, qd["type"], qd.get("class", "IN"), want_dnssec=False)
        if qd["edns"] is not None:
            m.use_edns(qd.get("ednsver", 0), 0, qd["edns"])
        else:
            m.use_edns(False)
        m.id = i & 0xffff
        if not qd["rd"]:
            m.flags &= ~dns.flags.RD
        wire = m.to_wire()
        res = {}
        for who, cl in (("pop", pop), ("knot", knot)):
            data = cl.ask(wire, m.id)
            try:
                res[who] = dns.message.from_wire(data) if data is not None else None
            except Exception as e:  # an answer dnspython cannot read is a difference
                res[who] = None
                res[who + "_error"] = str(e)
        pv, kv = view(res["pop"]), view(res["knot"])
        if pv is None or kv is None:
            unanswered += 1
        else:  # what pop answered, to show what the category exercised
            for key in [pv["rcode"]] + [f for f in ("TC",) if f in pv["flags"].split()] + \
                    (["referral"] if "AA" not in pv["flags"].split() and pv["authority"] and
                     pv["rcode"] == "NOERROR" else []):
                c["seen"][key] = c["seen"].get(key, 0) + 1
        pv2, kv2, applied = exclude(qd, pv, kv)
        for a in applied:
            c["excluded"][a] = c["excluded"].get(a, 0) + 1
        fields = compare(pv2, kv2)
        if not fields:
            c["agree"] += 1
            continue
        rec = {"query": {k: qd[k] for k in ("name", "type", "class", "edns", "ednsver", "rd")
                         if k in qd}, "cat": cat,
               "differs": fields, "pop": pv, "knot": kv}
        for k in ("pop_error", "knot_error"):
            if k in res:
                rec[k] = res[k]
        df.write(json.dumps(rec) + "\n")
        c["diffs"].append(rec)


def short(rec):
    q = rec["query"]
    edns = "noedns" if q["edns"] is None else "edns=%d" % q["edns"]
    if q.get("ednsver"):
        edns += ",version=%d" % q["ednsver"]
    if q.get("class"):
        edns = q["class"] + " " + edns
    if not q["rd"]:
        edns += ",rd=0"
    parts = []
    for f in rec["differs"]:
        pv, kv = rec["pop"], rec["knot"]
        if pv is None or kv is None:
            parts.append(f)
            continue
        parts.append("%s: pop %s / knot %s" % (f, json.dumps(pv.get(f)), json.dumps(kv.get(f))))
    return "%s %s %s: %s" % (q["name"], q["type"], edns, "; ".join(parts))


def signature(rec):
    """A difference in a few words: the fields, and for sections which side lacks what."""
    out = []
    for f in rec["differs"]:
        pv, kv = rec["pop"], rec["knot"]
        if pv and kv and f in ("answer", "authority", "additional"):
            p, k = set(map(tuple, map(lambda x: x[:3], pv[f]))), \
                set(map(tuple, map(lambda x: x[:3], kv[f])))
            if set(map(json.dumps, pv[f])) < set(map(json.dumps, kv[f])):
                f += " (pop lacks RRsets Knot sends)"
            elif set(map(json.dumps, kv[f])) < set(map(json.dumps, pv[f])):
                f += " (pop sends RRsets Knot does not)"
            elif p == k:
                f += " (same RRsets, different data)"
        out.append(f)
    return ", ".join(out)


total = sum(c["n"] for c in cats.values())
for cat in order:
    c = cats[cat]
    seen = " (pop: %s)" % ", ".join("%s %d" % kv for kv in sorted(c["seen"].items()))
    ex = "".join("; %d with %s set aside" % (n, rid)
                 for rid, n in sorted(c["excluded"].items()))
    if not c["diffs"]:
        print("ok %s: %d queries agree%s%s" % (cat, c["n"], seen, ex))
    else:
        print("not ok %s: %d of %d queries differ%s%s" % (cat, len(c["diffs"]), c["n"], seen, ex))
        sigs = {}
        for rec in c["diffs"]:
            sigs.setdefault(signature(rec), []).append(rec)
        for sig, recs in sorted(sigs.items(), key=lambda kv: -len(kv[1])):
            print("# %d differ in: %s; the first:" % (len(recs), sig))
            for rec in recs[:3]:
                print("#   " + short(rec)[:1500])
left = len(queries) - total
if left:
    print("not ok the whole corpus within %.0f s: %d of %d queries not sent" %
          (budget, left, len(queries)))
else:
    print("ok the whole corpus sent: %d queries, %d without an answer from one side" %
          (total, unanswered))
