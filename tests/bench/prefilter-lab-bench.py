#!/usr/bin/python3
"""The XDP prefilter in the lab, one run: does a flood of blocked traffic
change what the data plane pays per answered query?

Lab with two client namespaces on one dp0 (pop-lab up --clients 2, af_xdp).
client's address is blocked (popctl prefilter block). Each round measures,
back to back:
  without: client2 sends DNS queries with kxdpgun at --rate q/s;
  with:    the same, and client floods blocked queries with kxdpgun at full
           speed (-Q --flood-rate) at the same time.
Per measurement: popdp's worker busy cycles (TSC cycles of poll iterations
that had packets) per DNS answer, from popdp's own counters through popd;
client2's offered and answered rates; during the flood, the blocked frames
the XDP program dropped per second (drop_blocked, summed over CPUs).
Medians over --rounds, with min-max. Both generators run on CPU 0, popdp's
worker on CPU 1; on veth the XDP program runs in the sender's softirq, so
the blocked flood's cost lands on CPU 0 (the generator's), as it would land
on the NIC's receive CPUs, not on the data plane's cores.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(TOP, "tests", "lab", "pop-lab")
GEN_CPU = 0


def run(cmd, timeout=60, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                       text=True)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stdout[-2000:]))
    return p.stdout


def kxdpgun_start(ns, qfile, rate, secs, dst):
    return subprocess.Popen(["ip", "netns", "exec", ns, "taskset", "-c", str(GEN_CPU), "kxdpgun",
                             "-t", str(secs), "-Q", str(rate), "-i", qfile, dst],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kxdpgun_result(p, secs):
    try:
        out = p.communicate(timeout=secs + 20)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        out = p.communicate()[0]
    r = {"out": out}
    for key, pat in (("sent", r"total queries:\s+(\d+)"), ("replies", r"total replies:\s+(\d+)")):
        m = re.search(pat, out)
        r[key] = int(m.group(1)) if m else 0
    return r


class Bench:
    def __init__(self, a):
        self.a = a
        self.build = os.path.abspath(a.build)
        self.popctl = os.path.join(self.build, "control", "popctl")
        self.lab = "q%d" % (os.getpid() % 100000)
        self.qfile = "/tmp/pop-prefilter-bench-%d.txt" % os.getpid()

    def pc(self, *args):
        return json.loads(run([self.popctl, "--socket", self.sock, "--output", "json"] +
                              list(args)))

    def setup(self):
        env = dict(os.environ, POP_BUILD=self.build)
        p = subprocess.run([LAB, "up", "--name", self.lab, "--clients", "2"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=120)
        if p.returncode != 0:
            raise RuntimeError("pop-lab up: " + p.stdout[-1500:])
        state = dict(l.split("=", 1) for l in p.stdout.splitlines() if "=" in l)
        self.sock, self.vip = state["socket"], state["vip4"]
        self.cns, self.c2ns = state["client_ns"], state["client2_ns"]
        with open(self.qfile, "w") as f:
            f.write("www.example.com A\nexample.com MX\napi.example.com A\n")
        # Neighbour entries for kxdpgun, from one query each.
        for ns in (self.cns, self.c2ns):
            run(["ip", "netns", "exec", ns, "kdig", "+time=1", "+retry=1", "@" + self.vip,
                 "www.example.com"], check=False)
        change = self.pc("prefilter", "block", "--cidr", state["client4"] + "/32",
                         "--comment", "bench flood")["ChangeInfo"]["Id"]
        for _ in range(200):
            if self.pc("route53", "get-change", "--id", change)["ChangeInfo"]["Status"] == "INSYNC":
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("the block never reached INSYNC")

    def stats(self, after=None):
        for _ in range(60):
            s = self.pc("stats")
            now = time.time()
            age = (s.get("dataplane_stats_age_ms") or 0) / 1000.0
            dp = s.get("dataplane") or {}
            if dp and (after is None or now - age > after + 0.05):
                xdp = ((dp.get("prefilter") or {}).get("xdp") or {}).get("Counters") or {}
                return {"tsc_hz": dp["tsc_hz"],
                        "busy": sum(w["busy_cycles"] for w in dp["workers"]),
                        "bursts": sum(w["rx_bursts"] for w in dp["workers"]),
                        "answers": dp.get("dns", {}).get("answers", 0),
                        "blocked": (xdp.get("drop_blocked") or {}).get("Packets", 0)}
            time.sleep(0.15)
        raise RuntimeError("popd has no fresh data-plane stats")

    def measure(self, flood):
        secs = self.a.seconds
        s0 = self.stats()
        fl = kxdpgun_start(self.cns, self.qfile, self.a.flood_rate, secs + 1, self.vip) \
            if flood else None
        if fl is not None:
            time.sleep(0.5)  # the flood is on before the measured load starts
        g = kxdpgun_start(self.c2ns, self.qfile, self.a.rate, secs, self.vip)
        gr = kxdpgun_result(g, secs)
        t1 = time.time()
        fr = kxdpgun_result(fl, secs + 1) if fl is not None else None
        s1 = self.stats(after=time.time() if fl is not None else t1)
        for ns in (self.cns, self.c2ns):
            run(["ip", "-n", ns, "link", "set", "dev", "eth0", "xdp", "off"], check=False)
        answers = s1["answers"] - s0["answers"]
        return {"flood": flood,
                "cycles_per_answer": (s1["busy"] - s0["busy"]) / answers if answers else 0.0,
                "answers": answers, "offered": gr["sent"] / secs,
                "per_burst": answers / (s1["bursts"] - s0["bursts"])
                if s1["bursts"] > s0["bursts"] else 0.0,
                "answered_share": gr["replies"] / gr["sent"] if gr["sent"] else 0.0,
                "flood_sent_pps": fr["sent"] / (secs + 1) if fr else 0.0,
                "flood_answered": fr["replies"] if fr else 0,
                "dropped_pps": (s1["blocked"] - s0["blocked"]) / (secs + 1) if flood else 0.0}

    def go(self):
        rows = {False: [], True: []}
        # One round unreported: the first seconds after start-up run cold.
        self.measure(False)
        self.measure(True)
        for r in range(self.a.rounds):
            for flood in (False, True):
                m = self.measure(flood)
                rows[flood].append(m)
                print("  round %d %-7s client2 %6.0f q/s offered, %5.1f%% answered, %6.0f "
                      "cycles/answer, %.2f answers/burst%s" % (
                          r + 1, "flood" if flood else "quiet", m["offered"],
                          100 * m["answered_share"], m["cycles_per_answer"], m["per_burst"],
                          "; flood %.0f pps sent, %.0f pps dropped in XDP, %d answered" % (
                              m["flood_sent_pps"], m["dropped_pps"], m["flood_answered"])
                          if flood else ""))
                sys.stdout.flush()

        def mm(key, flood):
            v = sorted(x[key] for x in rows[flood])
            return v[len(v) // 2], v[0], v[-1]

        q, f = mm("cycles_per_answer", False), mm("cycles_per_answer", True)
        d = mm("dropped_pps", True)
        print("blocked flood dropped in XDP: %.0f pps (median; %.0f-%.0f), flood answered: %d "
              "in all" % (d[0], d[1], d[2], sum(x["flood_answered"] for x in rows[True])))
        print("popdp busy cycles per answered query at %d q/s from client2: without the flood "
              "%.0f (%.0f-%.0f), with it %.0f (%.0f-%.0f): %+.1f%%" % (
                  self.a.rate, q[0], q[1], q[2], f[0], f[1], f[2],
                  100.0 * (f[0] - q[0]) / q[0] if q[0] else 0.0))
        b = mm("per_burst", False), mm("per_burst", True)
        print("answers per receive burst (batching): %.2f without, %.2f with the flood "
              "(medians)" % (b[0][0], b[1][0]))
        a = mm("answered_share", False), mm("answered_share", True)
        print("client2 answered: %.2f%% without, %.2f%% with the flood (medians)" % (
            100 * a[0][0], 100 * a[1][0]))
        print("(veth AF_XDP is copy mode: both generators and the XDP drops share CPU 0 here; "
              "on a NIC the drop runs in the driver on its receive queues' CPUs)")

    def cleanup(self):
        subprocess.run([LAB, "down", self.lab], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
        try:
            os.unlink(self.qfile)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build"))
    ap.add_argument("--rate", type=int, default=20000, help="client2's queries per second")
    ap.add_argument("--flood-rate", type=int, default=2000000,
                    help="the blocked client's -Q (kxdpgun sends as fast as it can below it)")
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    b = Bench(a)
    try:
        b.setup()
        print("lab %s: client blocked; client2 %d q/s for %d s per measurement, %d rounds" % (
            b.lab, a.rate, a.seconds, a.rounds))
        b.go()
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
