#!/usr/bin/python3
"""DNS in the lab: the same query mix from kxdpgun against popdp and against
knotd in XDP mode, in one run, several repetitions (make bench, run-bench).

Usage: dns-lab-bench.py [--build DIR] [--reps N] [--rates 100000,200000,...]
                        [--seconds S] [--budget SECONDS] [--tcp-seconds S]
                        [--tcp-conns N]

Then DNS over TCP: dnsperf -m tcp (the same names, 100 connections, 4 queries
outstanding on each) against popdp's TCP and knotd's kernel TCP (one TCP
worker), answered per second and answers per busy core-second, same CPUs.

- The zone and the query mix are the differential test's (tests/lab/
  gen_zone.py: diff.example., ~7,800 queries of every kind: existing names,
  NXDOMAIN, NODATA, wildcards, referrals, CNAME chains, ANY, big answers,
  mixed case; EDNS on about half). kxdpgun reads them in a loop.
- popdp: a pop lab (pop-lab up, af_xdp on the veth dp0, its worker on lcore 1),
  the zone imported through popctl. knotd: a fresh namespace pair with the same
  kind of veth (one queue each way), XDP on the server end, one UDP worker.
- As ../shared/BENCHMARKING.md says: server on CPU 1, generator on CPU 0;
  threaded NAPI on every veth end, gro on, tso off, each NAPI thread pinned to
  its own side's CPU; every knotd thread pinned once it answers; XDP programs
  kxdpgun and knotd leave behind are detached; fresh namespaces for knotd.
- Busy CPU of the server: popdp, its worker's busy cycles (iterations that
  handled packets) from popctl stats / tsc_hz; knotd, the CPU time of all its
  threads (/proc/PID/task/*/schedstat, exact, not tick-sampled). Busy cycles
  also count the time the worker was preempted inside a busy iteration (by
  the NAPI thread that feeds it on the same CPU, or anything else): they can
  only overstate popdp's work, and each pop run prints how long its worker
  waited for the CPU. "+NAPI" adds the CPU time of the server side's NAPI
  thread (the kernel's veth and XDP work for that server's packets), for
  both; for popdp part of it may then be counted twice.
- popdp's worker polls CPU 1 even when idle: it is stopped (SIGSTOP) while
  knotd is measured. Every thread of the benchmark runs at nice -10, as its
  sessions' autogroup too, since the machine may be shared; other programs'
  time on CPU 1 during each run is printed.
- veth AF_XDP is copy mode with 256-slot rings: figures here are far below
  what the same software does on a real NIC.

Prints every run, then per offered rate the medians with min-max over the
repetitions, the ratio pop/knot of answers per busy core-second, and the
highest offered rate each answered at >= 99%. Bounded by --budget (default
270 s): runs that would not fit are skipped and said so.
"""
import argparse
import glob
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LAB_TOOL = os.path.join(TOP, "tests", "lab", "pop-lab")
GEN = os.path.join(TOP, "tests", "lab", "gen_zone.py")
KNOT4, KCLI4 = "198.19.60.1", "198.19.60.2"
SERVER_CPU, GEN_CPU = 1, 0
# The machine may be shared (other sessions' builds and fuzzers): every thread
# of this benchmark (servers, their NAPI threads, kxdpgun and the client side's
# NAPI threads) runs at this nice value, pop's and Knot's alike, so that
# others take less of the two CPUs. With autogroups (sched_autogroup_enabled)
# a thread's nice counts only inside its session's group, so the servers and
# kxdpgun, each its own session, get it as their group's nice too.
# SCHED_OTHER still (BENCHMARKING.md: FIFO on a NAPI thread made knotd XDP
# collapse).
NICE = -10


def run(cmd, timeout=30, check=True, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                       text=True, **kw)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stdout[-2000:]))
    return p.stdout


def nsx(ns, *cmd):
    return ["ip", "netns", "exec", ns] + list(cmd)


def cpu_ns_of_task(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def run_delay_ns_of_task(path):
    try:
        with open(path) as f:
            return int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def cpu_idle_s(cpu):
    """Idle + iowait seconds of one CPU so far (exact idle accounting)."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu%d " % cpu):
                v = line.split()
                return (int(v[4]) + int(v[5])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def all_tasks():
    """Every thread's CPU time so far: {(pid, tid): (comm, ns)}."""
    out = {}
    for t in glob.glob("/proc/[0-9]*/task/[0-9]*"):
        try:
            with open(t + "/schedstat") as f:
                ns = int(f.read().split()[0])
            with open(t + "/comm") as f:
                comm = f.read().strip()
        except (OSError, ValueError, IndexError):
            continue
        parts = t.split("/")
        out[(int(parts[2]), int(parts[4]))] = (comm, ns)
    return out


def cpu_ns_of_process(pid):
    return sum(cpu_ns_of_task(p) for p in glob.glob("/proc/%d/task/*/schedstat" % pid))


def renice(pid, whole_process=False):
    if whole_process:
        try:
            with open("/proc/%d/autogroup" % pid, "w") as f:
                f.write(str(NICE))
        except OSError:
            pass
    tids = [int(os.path.basename(t)) for t in glob.glob("/proc/%d/task/*" % pid)] \
        if whole_process else [pid]
    for t in tids:
        try:
            os.setpriority(os.PRIO_PROCESS, t, NICE)
        except OSError:
            pass


def napi_threads():
    out = set()
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/comm") as f:
                if f.read().startswith("napi/"):
                    out.add(int(d[6:]))
        except OSError:
            pass
    return out


def napi_on(ns, ifname, cpu):
    """Threaded NAPI on one veth end (gro on, tso off), its thread pinned to
    @cpu; the thread's pid (found as the one that appears), or None."""
    run(nsx(ns, "ethtool", "-K", ifname, "gro", "on", "tso", "off"), check=False)
    before = napi_threads()
    run(nsx(ns, "sh", "-c", "echo 1 > /sys/class/net/%s/threaded" % ifname), check=False)
    pid = None
    for _ in range(20):
        new = [p for p in napi_threads() - before
               if open("/proc/%d/comm" % p).read().startswith("napi/%s-" % ifname)]
        if new:
            pid = new[0]
            break
        time.sleep(0.05)
    if pid is not None:
        run(["taskset", "-p", "-c", str(cpu), str(pid)], check=False)
        renice(pid)
    return pid


def kxdpgun(ns, qfile, rate, secs, dst):
    p = subprocess.Popen(nsx(ns, "taskset", "-c", str(GEN_CPU), "kxdpgun", "-t", str(secs),
                             "-Q", str(rate), "-F", str(GEN_CPU), "-i", qfile, dst),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    renice(p.pid, whole_process=True)  # its own session: its own autogroup
    try:
        out = p.communicate(timeout=secs + 20)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        out = p.communicate()[0]
    r = {"out": out}
    m = re.search(r"total queries:\s+(\d+)", out)
    r["sent"] = int(m.group(1)) if m else 0
    m = re.search(r"total replies:\s+(\d+)", out)
    r["replies"] = int(m.group(1)) if m else 0
    r["rcodes"] = {k: int(v) for k, v in re.findall(r"responded (\S+):\s+(\d+)", out)}
    return r


def dnsperf_tcp(ns, qfile, dst, secs, conns):
    """dnsperf over TCP: @conns connections, 4 queries outstanding on each."""
    p = subprocess.Popen(nsx(ns, "taskset", "-c", str(GEN_CPU), "dnsperf", "-m", "tcp", "-s", dst,
                             "-c", str(conns), "-q", str(4 * conns), "-l", str(secs), "-d", qfile),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    renice(p.pid, whole_process=True)
    try:
        out = p.communicate(timeout=secs + 30)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        out = p.communicate()[0]
    r = {"out": out}
    for key, pat in (("sent", r"Queries sent:\s+(\d+)"), ("replies", r"Queries completed:\s+(\d+)"),
                     ("lost", r"Queries lost:\s+(\d+)")):
        m = re.search(pat, out)
        r[key] = int(m.group(1)) if m else 0
    m = re.search(r"Run time \(s\):\s+([\d.]+)", out)
    r["secs"] = float(m.group(1)) if m else float(secs)
    return r


class Bench:
    def __init__(self, a):
        self.a = a
        self.build = os.path.abspath(a.build)
        self.popctl = os.path.join(self.build, "control", "popctl")
        self.lab = "k%d" % (os.getpid() % 100000)
        self.kns, self.kcns = "pl-%s-kxs" % self.lab, "pl-%s-kxc" % self.lab
        self.work = tempfile.mkdtemp(prefix="dnsbench.")
        self.knot_pid = None
        self.popdp_pid = None
        self.lab_up = False
        self.env = dict(os.environ, POP_BUILD=self.build)

    # ----------------------------------------------------------------- set-up
    def pc(self, *args):
        return json.loads(run([self.popctl, "--socket", "/run/pop/%s/control.sock" % self.lab,
                               "--output", "json"] + list(args), timeout=120))

    def setup(self):
        zone, corpus = os.path.join(self.work, "diff.example.zone"), \
            os.path.join(self.work, "corpus.jsonl")
        run(["/usr/bin/python3", GEN, zone, corpus], timeout=60)
        self.qfile = os.path.join(self.work, "queries.txt")
        n = 0
        with open(self.qfile, "w") as f:
            for line in open(corpus):
                q = json.loads(line)
                if q["cat"] in ("class", "edns-version"):  # kxdpgun cannot say those
                    continue
                f.write("%s %s%s\n" % (q["name"], q["type"], " E" if q["edns"] is not None else ""))
                n += 1
        self.n_queries = n
        # dnsperf's form: name and type only (no per-query EDNS flag).
        self.tcp_qfile = os.path.join(self.work, "queries-tcp.txt")
        with open(self.qfile) as src, open(self.tcp_qfile, "w") as dst:
            for line in src:
                dst.write(" ".join(line.split()[:2]) + "\n")

        # popdp
        run([LAB_TOOL, "up", "--name", self.lab, "--empty"], timeout=90, env=self.env)
        self.lab_up = True
        self.cns, self.pns = "pl-%s-cli" % self.lab, "pl-%s-pop" % self.lab
        self.vip = "198.18.0.1"
        zid = self.pc("route53", "create-hosted-zone", "--name", "diff.example",
                      "--caller-reference", "bench-" + self.lab)["HostedZone"]["Id"]
        imp = os.path.join(self.work, "import.json")
        with open(imp, "w") as f:
            json.dump({"HostedZoneId": zid, "ZoneFile": open(zone).read()}, f)
        cid = self.pc("route53", "import-zone", "--hosted-zone-id", zid, "--cli-input-json",
                      "file://" + imp)["ChangeInfo"]["Id"]
        for _ in range(200):
            if self.pc("route53", "get-change", "--id", cid)["ChangeInfo"]["Status"] == "INSYNC":
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("import-zone did not reach INSYNC")

        # knotd, XDP, in fresh namespaces
        kd = os.path.join(self.work, "knot")
        os.makedirs(kd + "/run")
        os.makedirs(kd + "/db")
        run(["cp", zone, kd + "/diff.example.zone"])
        for ns in (self.kns, self.kcns):
            run(["ip", "netns", "add", ns])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "link", "add", "name", "kx0", "netns", self.kns, "numrxqueues", "1",
             "numtxqueues", "1", "type", "veth", "peer", "name", "kc0", "netns", self.kcns,
             "numrxqueues", "1", "numtxqueues", "1"])
        run(["ip", "-n", self.kns, "addr", "add", KNOT4 + "/24", "dev", "kx0"])
        run(["ip", "-n", self.kcns, "addr", "add", KCLI4 + "/24", "dev", "kc0"])
        run(["ip", "-n", self.kns, "link", "set", "kx0", "up"])
        run(["ip", "-n", self.kcns, "link", "set", "kc0", "up"])
        with open(kd + "/knot.conf", "w") as f:
            f.write("""server:
    rundir: "{d}/run"
    pidfile: "{d}/run/knot.pid"
    identity: ""
    version: ""
    listen: {ip}@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
xdp:
    listen: kx0@53
    udp: on
    tcp: off
database:
    storage: "{d}/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "{d}"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: diff.example.
    file: "{d}/diff.example.zone"
""".format(d=kd, ip=KNOT4))
        run(nsx(self.kns, "taskset", "-c", str(SERVER_CPU), "knotd", "-d", "-c",
                kd + "/knot.conf"), timeout=30)
        for _ in range(50):
            try:
                self.knot_pid = int(open(kd + "/run/knot.pid").read())
                break
            except (OSError, ValueError):
                time.sleep(0.1)
        for who, ns, dst in (("popdp", self.cns, self.vip), ("knotd", self.kcns, KNOT4)):
            for _ in range(50):
                out = run(nsx(ns, "kdig", "+time=1", "+retry=0", "+short", "@" + dst,
                              "h001.diff.example.", "A"), check=False)
                if re.search(r"^198\.18\.", out, re.M):
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError("%s does not answer: %s" % (who, out))
        # Pin every knotd thread now that it answers (it re-pins its XDP thread).
        run(["taskset", "-a", "-p", "-c", str(SERVER_CPU), str(self.knot_pid)], check=False)
        renice(self.knot_pid, whole_process=True)
        # Threaded NAPI, each side on its own CPU.
        self.napi = {
            "pop": napi_on(self.pns, "dp0", SERVER_CPU),
            "knot": napi_on(self.kns, "kx0", SERVER_CPU),
        }
        napi_on(self.cns, "eth0", GEN_CPU)
        napi_on(self.kcns, "kc0", GEN_CPU)
        self.tsc_hz = None
        # popdp's worker thread: how long it waited for CPU 1 (preempted by the
        # NAPI thread or anything else), which busy cycles cannot tell apart.
        self.worker = None
        pid = run([LAB_TOOL, "status", self.lab], env=self.env)
        pid = int(re.search(r"^popdp_pid=(\d+)", pid, re.M).group(1))
        self.popdp_pid = pid
        renice(pid, whole_process=True)
        for t in glob.glob("/proc/%d/task/*" % pid):
            try:
                if open(t + "/comm").read().startswith("rte-worker"):
                    self.worker = t + "/schedstat"
            except OSError:
                pass
        if self.worker is None:
            raise RuntimeError("popdp's worker thread (rte-worker-*) not found")

    # ------------------------------------------------------------- measuring
    def pop_stats(self, after=None):
        """popdp's worker counters from a stats snapshot (taken after @after,
        a time.time(), when given), with the time popdp took it."""
        for _ in range(40):
            s = self.pc("stats")
            now = time.time()
            age = (s.get("dataplane_stats_age_ms") or 0) / 1000.0
            dp = s.get("dataplane") or {}
            if dp and (after is None or now - age > after + 0.05):
                self.tsc_hz = dp["tsc_hz"]
                w = dp["workers"][0]
                return {"at": now - age, "busy_cycles": w["busy_cycles"],
                        "iterations": w["iterations"], "bursts": w["rx_bursts"],
                        "answers": dp.get("dns", {}).get("answers", 0)}
            time.sleep(0.15)
        raise RuntimeError("popd has no fresh data-plane stats")

    def measure(self, who, rate, tcp=False):
        """One run against pop or knotd: kxdpgun at @rate q/s, or with @tcp
        dnsperf over TCP with @rate connections."""
        secs = self.a.tcp_seconds if tcp else self.a.seconds

        def gen(ns, dst):
            if tcp:
                return dnsperf_tcp(ns, self.tcp_qfile, dst, secs, rate)
            return kxdpgun(ns, self.qfile, rate, secs, dst)

        napi = self.napi.get(who)
        n0 = cpu_ns_of_task("/proc/%d/schedstat" % napi) if napi else 0
        tasks0 = all_tasks()
        i0, w0 = cpu_idle_s(SERVER_CPU), time.time()
        extra = {}
        if who == "pop":
            s0 = self.pop_stats()
            d0 = run_delay_ns_of_task(self.worker)
            o0 = cpu_ns_of_task(self.worker)
            g = gen(self.cns, self.vip)
            t1 = time.time()
            d1 = run_delay_ns_of_task(self.worker)
            oncpu = (cpu_ns_of_task(self.worker) - o0) / 1e9
            i1, w1 = cpu_idle_s(SERVER_CPU), time.time()
            s1 = self.pop_stats(after=t1)
            busy = (s1["busy_cycles"] - s0["busy_cycles"]) / self.tsc_hz
            extra = {"preempted": (d1 - d0) / 1e9}
            if not tcp:
                extra["server_answers"] = s1["answers"] - s0["answers"]
                run(["ip", "-n", self.cns, "link", "set", "dev", "eth0", "xdp", "off"],
                    check=False)
        else:
            # popdp's worker polls CPU 1 even when idle: stop it while knotd runs.
            os.kill(self.popdp_pid, signal.SIGSTOP)
            try:
                k0 = cpu_ns_of_process(self.knot_pid)
                g = gen(self.kcns, KNOT4)
                busy = (cpu_ns_of_process(self.knot_pid) - k0) / 1e9
                oncpu = busy
                i1, w1 = cpu_idle_s(SERVER_CPU), time.time()
            finally:
                os.kill(self.popdp_pid, signal.SIGCONT)
            if not tcp:
                run(["ip", "-n", self.kcns, "link", "set", "dev", "kc0", "xdp", "off"],
                    check=False)
        if tcp:
            g["rcodes"] = {}
            secs = g["secs"]
            extra["lost"] = g["lost"]
            extra["out"] = g["out"]
        n1 = cpu_ns_of_task("/proc/%d/schedstat" % napi) if napi else 0
        napi_s = (n1 - n0) / 1e9
        tasks1 = all_tasks()
        mine = {self.popdp_pid, self.knot_pid, napi, os.getpid()}
        top = sorted(((ns - tasks0.get(k, (c, 0))[1], c, k[0]) for k, (c, ns) in tasks1.items()
                      if k[0] not in mine and k[1] not in mine and c != "kxdpgun" and
                      not c.startswith("napi/")), reverse=True)[:3]
        # CPU 1's busy time that was neither this server nor its NAPI thread:
        # other programs on the machine, which the server had to share it with.
        others = max(0.0, (w1 - w0) - (i1 - i0) - oncpu - napi_s)
        if not g["sent"]:
            print("  %s: kxdpgun sent nothing: %s" % (who, g["out"].strip()[-300:]))
        return dict({
            "who": who, "rate": rate, "secs": secs,
            "offered": g["sent"] / secs, "answered": g["replies"] / secs,
            "share": g["replies"] / g["sent"] if g["sent"] else 0.0,
            "busy": busy, "napi": napi_s,
            "apc": g["replies"] / busy if busy > 0 else 0.0,
            "apc_napi": g["replies"] / (busy + napi_s) if busy + napi_s > 0 else 0.0,
            "others": others, "others_share": others / (w1 - w0),
            "top": ", ".join("%s[%d] %.2f s" % (c, p, ns / 1e9) for ns, c, p in top if ns > 5e7),
            "rcodes": g["rcodes"], "sent": g["sent"], "replies": g["replies"]}, **extra)

    # ------------------------------------------------------------------ runs
    def go(self, deadline):
        rates = [int(x) for x in self.a.rates.split(",")]
        print("query mix: %d queries (tests/lab/gen_zone.py), kxdpgun on CPU %d, servers on "
              "CPU %d, %g s per run" % (self.n_queries, GEN_CPU, SERVER_CPU, self.a.seconds))
        print("every thread of the benchmark at nice %d (the machine may be shared)" % NICE)
        print("veth AF_XDP is copy mode with 256-slot rings: far below what the same software "
              "does on a real NIC")
        others = []
        for d in glob.glob("/proc/[0-9]*"):
            try:
                if open(d + "/comm").read().strip() in ("popdp", "knotd", "kxdpgun") and \
                        int(d[6:]) not in (self.popdp_pid, self.knot_pid):
                    others.append(d[6:])
            except OSError:
                pass
        print("load average %s; other popdp/knotd/kxdpgun processes on this machine: %s" % (
            " ".join(open("/proc/loadavg").read().split()[:3]),
            ", ".join(others) if others else "none"))
        # warm-up: caches, ARP, page faults
        for who in ("pop", "knot"):
            self.measure(who, 20000)
        per_run = self.a.seconds + 3.0
        results = []
        skipped = 0
        for rep in range(self.a.reps):
            for rate in rates:
                order = ("pop", "knot") if (rep + rates.index(rate)) % 2 == 0 else ("knot", "pop")
                for who in order:
                    if time.time() + per_run > deadline:
                        skipped += 1
                        continue
                    r = self.measure(who, rate)
                    r["rep"] = rep
                    results.append(r)
                    print("rep %d %-4s offered %6.1fk/s answered %6.1fk/s (%6.2f%%); busy %.3f s "
                          "(%4.1f%% of a core), NAPI %.3f s; %.0fk answers per busy core-s" % (
                              rep + 1, who, r["offered"] / 1e3, r["answered"] / 1e3,
                              100 * r["share"], r["busy"], 100 * r["busy"] / r["secs"],
                              r["napi"], r["apc"] / 1e3))
                    print("       other programs ran on CPU %d for %.0f%% of the time%s" %
                          (SERVER_CPU, 100 * r["others_share"],
                           " (%s, on either CPU)" % r["top"] if r["top"] else "") +
                          ("; popdp answered %d of %d sent (kxdpgun got %d), its worker waited "
                           "%.3f s for the CPU" % (r["server_answers"], r["sent"], r["replies"],
                                                   r["preempted"]) if who == "pop" else ""))
                    sys.stdout.flush()
        if skipped:
            print("budget: %d runs skipped to stay within %d s" % (skipped, self.a.budget))
        self.summary(rates, results)
        self.go_tcp(deadline)

    def go_tcp(self, deadline):
        """DNS over TCP with dnsperf (kxdpgun's TCP mode has no connection
        reuse to compare): the same names, 100 connections, 4 queries
        outstanding on each, pop vs knotd (kernel TCP, one TCP worker)."""
        conns = self.a.tcp_conns
        print()
        print("DNS over TCP: dnsperf -m tcp, %d connections, %d queries outstanding, %g s per run, "
              "generator on CPU %d (dnsperf tops out near 115-180k q/s here)" % (
                  conns, 4 * conns, self.a.tcp_seconds, GEN_CPU))
        results = []
        for rep in range(self.a.reps):
            for who in (("pop", "knot") if rep % 2 == 0 else ("knot", "pop")):
                if time.time() + self.a.tcp_seconds + 5 > deadline:
                    print("budget: TCP run skipped")
                    continue
                r = self.measure(who, conns, tcp=True)
                if r.get("lost"):
                    print("  dnsperf: " + r["out"].strip()[-600:].replace("\n", "\n  "))
                r["rep"] = rep
                results.append(r)
                print("rep %d %-4s answered %6.1fk/s, %d of %d (lost %d); busy %.3f s (%4.1f%% of a "
                      "core), NAPI %.3f s; %.0fk answers per busy core-s" % (
                          rep + 1, who, r["answered"] / 1e3, r["replies"], r["sent"], r["lost"],
                          r["busy"], 100 * r["busy"] / r["secs"], r["napi"], r["apc"] / 1e3))
                sys.stdout.flush()
        for who in ("pop", "knot"):
            rs = [r for r in results if r["who"] == who]
            if rs:
                print("TCP %-4s answered k/s %s, lost %s, busy %% %s, A/busy %s, A/(busy+NAPI) %s" % (
                    who, self.mm([r["answered"] / 1e3 for r in rs], "%.1f"),
                    self.mm([r["lost"] for r in rs], "%d"),
                    self.mm([100 * r["busy"] / r["secs"] for r in rs], "%.0f"),
                    self.mm([r["apc"] / 1e3 for r in rs], "%.0f"),
                    self.mm([r["apc_napi"] / 1e3 for r in rs], "%.0f")))
        ratios = {"answered": [], "apc": [], "apc_napi": []}
        for rep in range(self.a.reps):
            p = [r for r in results if r["who"] == "pop" and r["rep"] == rep]
            k = [r for r in results if r["who"] == "knot" and r["rep"] == rep]
            if p and k:
                for key in ratios:
                    if k[0][key] > 0:
                        ratios[key].append(p[0][key] / k[0][key])
        if ratios["apc"]:
            print("TCP ratio pop/knot: answered %s, A/busy %s, A/(busy+NAPI) %s" % (
                self.mm(ratios["answered"], "%.2f"), self.mm(ratios["apc"], "%.2f"),
                self.mm(ratios["apc_napi"], "%.2f")))

    @staticmethod
    def mm(xs, fmt):
        if not xs:
            return "-"
        return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(xs), min(xs), max(xs))

    def summary(self, rates, results):
        print()
        print("summary: median (min-max) over %d repetitions.\n"
              "  busy: the server's busy CPU as %% of one core (popdp: its worker's busy cycles,\n"
              "  which also count time it was preempted inside a busy iteration; knotd: the CPU\n"
              "  time of all its threads). A/busy: k answers per busy core-second.\n"
              "  A/(busy+NAPI): the same with the CPU time of the server side's NAPI thread (the\n"
              "  kernel's veth and XDP work for its packets) added." % self.a.reps)
        cols = "%-7s %-5s %-20s %-20s %-14s %-16s %-16s"
        print(cols % ("offered", "srv", "answered k/s", "answered %", "busy %", "A/busy",
                      "A/(busy+NAPI)"))
        best = {}
        for rate in rates:
            for who in ("pop", "knot"):
                rs = [r for r in results if r["who"] == who and r["rate"] == rate]
                if not rs:
                    continue
                share = [100 * r["share"] for r in rs]
                if statistics.median(share) >= 99.0:
                    best[who] = max(best.get(who, 0), statistics.median([r["offered"] for r in rs]))
                print(cols % (
                    "%dk" % (rate // 1000), who,
                    self.mm([r["answered"] / 1e3 for r in rs], "%.1f"),
                    self.mm(share, "%.1f"),
                    self.mm([100 * r["busy"] / r["secs"] for r in rs], "%.0f"),
                    self.mm([r["apc"] / 1e3 for r in rs], "%.0f"),
                    self.mm([r["apc_napi"] / 1e3 for r in rs], "%.0f")))
            ratios = {"apc": [], "apc_napi": []}
            for rep in range(self.a.reps):
                p = [r for r in results if r["who"] == "pop" and r["rate"] == rate and r["rep"] == rep]
                k = [r for r in results if r["who"] == "knot" and r["rate"] == rate and r["rep"] == rep]
                if p and k:
                    for key in ratios:
                        if k[0][key] > 0:
                            ratios[key].append(p[0][key] / k[0][key])
            if ratios["apc"]:
                print("%-7s ratio pop/knot: A/busy %s, A/(busy+NAPI) %s" % (
                    "", self.mm(ratios["apc"], "%.2f"),
                    self.mm(ratios["apc_napi"], "%.2f")))
        for who in ("pop", "knot"):
            print("%s: highest offered rate answered >= 99%% (median): %s" % (
                who, "%.0fk/s" % (best[who] / 1e3) if who in best else "none of the rates"))

    # ---------------------------------------------------------------- cleanup
    def cleanup(self):
        if self.popdp_pid:
            try:
                os.kill(self.popdp_pid, signal.SIGCONT)
            except OSError:
                pass
        if self.knot_pid:
            try:
                os.kill(self.knot_pid, signal.SIGTERM)
                for _ in range(50):
                    os.kill(self.knot_pid, 0)
                    time.sleep(0.1)
            except OSError:
                pass
        for ns, dev in ((self.kns, "kx0"), (self.kcns, "kc0")):
            subprocess.run(["ip", "-n", ns, "link", "set", "dev", dev, "xdp", "off"],
                           stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            pids = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True).stdout.split()
            for p in pids:
                try:
                    os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        if self.lab_up:
            subprocess.run(["ip", "-n", "pl-%s-cli" % self.lab, "link", "set", "dev", "eth0", "xdp",
                            "off"], stderr=subprocess.DEVNULL)
            subprocess.run([LAB_TOOL, "down", self.lab], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=self.env, timeout=60)
        subprocess.run(["rm", "-rf", self.work])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("POP_BUILD", os.path.join(TOP, "build")))
    ap.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_DNS_REPS", 3)))
    ap.add_argument("--rates", default=os.environ.get("BENCH_DNS_RATES", "100000,200000,400000,600000"))
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_DNS_SECONDS", 3)))
    ap.add_argument("--budget", type=float, default=float(os.environ.get("BENCH_DNS_BUDGET", 330)))
    ap.add_argument("--tcp-seconds", type=float,
                    default=float(os.environ.get("BENCH_DNS_TCP_SECONDS", 5)))
    ap.add_argument("--tcp-conns", type=int, default=int(os.environ.get("BENCH_DNS_TCP_CONNS", 100)))
    a = ap.parse_args()
    start = time.time()

    def on_term(signum, frame):
        raise SystemExit("dns-lab-bench: stopped by signal %d" % signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    b = Bench(a)
    try:
        b.setup()
        b.go(start + a.budget - 15)  # 15 s left for the summary and cleanup
    finally:
        b.cleanup()
    print("dns-lab-bench: %.0f s" % (time.time() - start))


if __name__ == "__main__":
    main()
