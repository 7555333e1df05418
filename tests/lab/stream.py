#!/usr/bin/python3
"""The lab's stream test: a Linux kernel-socket server and a client.

The protocol (pop's own stream test service speaks the same):

  The client opens a TCP connection and sends one request line, ASCII,
  at most 64 bytes with its newline:

    SEND <N>\\n   the server sends N bytes, then closes the connection.
    SENDM <N>\\n  the same (pop sends them from its mbufs by reference; this
                 server treats it as SEND).
    ECHO <N>\\n   the client then sends N bytes; the server sends every
                 byte back as it arrives and closes after the N-th.

  N is decimal, 0 <= N <= the server's bound (here --max-bytes, 10 GB by
  default). The bytes are the pattern p[i] = i mod 251 for i = 0..N-1 (in
  ECHO the client sends that pattern), so either side can check the SHA-256
  without being told it. A bad request gets "ERR <reason>\\n" and a close.

  stream.py server --bind ADDR --port P [--cc cubic|reno] [--max-conns N]
  stream.py client --host H --port P (--recv N | --recvm N | --echo N) [--timeout S] [--cc C]
                   [--reset-after K]

--reset-after K ends the connection with an RST (SO_LINGER 0, close) once K
bytes came, before the end: the transfer is then reported as not ok.

The client prints one JSON object: mode, client_cc (its own socket's), bytes, seconds (request sent to
last byte), goodput_MBps (10^6 bytes/s), sha256, expected_sha256, ok; it
exits 0 only when all N bytes came and the hash is right.
"""
import argparse
import hashlib
import json
import socket
import struct
import sys
import threading
import time

MODULUS = 251
CHUNK = MODULUS * 1024  # a whole number of periods: every chunk starts at 0
PATTERN = bytes(i % MODULUS for i in range(CHUNK))
LINE_MAX = 64


def pattern_chunks(n):
    """The first n bytes of the pattern, as memoryviews of PATTERN."""
    view = memoryview(PATTERN)
    while n > 0:
        k = min(n, CHUNK)
        yield view[:k]
        n -= k


def expected_sha256(n):
    h = hashlib.sha256()
    for c in pattern_chunks(n):
        h.update(c)
    return h.hexdigest()


def parse_request(line, max_bytes):
    parts = line.split()
    if len(parts) != 2 or parts[0] not in (b"SEND", b"SENDM", b"ECHO") or not parts[1].isdigit():
        raise ValueError("request must be SEND <N> or ECHO <N>")
    if len(parts[1]) > 15 or int(parts[1]) > max_bytes:
        raise ValueError("N exceeds the server's bound of %d bytes" % max_bytes)
    return ("SEND" if parts[0] == b"SENDM" else parts[0].decode()), int(parts[1])


def serve_one(conn, peer, args, slots):
    try:
        conn.settimeout(args.idle_timeout)
        if args.cc:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, args.cc.encode())
        # The line, and in ECHO whatever of the data came in the same read.
        line = b""
        while b"\n" not in line:
            b = conn.recv(256 * 1024)
            if not b:
                return
            line += b
            if b"\n" not in line[:LINE_MAX]:
                if len(line) >= LINE_MAX:
                    conn.sendall(b"ERR request line too long\n")
                    return
        line, first = line.split(b"\n", 1)
        try:
            mode, n = parse_request(line, args.max_bytes)
        except ValueError as e:
            conn.sendall(b"ERR %s\n" % str(e).encode())
            return
        start = time.monotonic()
        if mode == "SEND":
            for c in pattern_chunks(n):
                conn.sendall(c)
        else:
            first = first[:n]
            conn.sendall(first)
            left = n - len(first)
            buf = bytearray(256 * 1024)
            while left > 0:
                k = conn.recv_into(buf, min(left, len(buf)))
                if k == 0:
                    break
                conn.sendall(memoryview(buf)[:k])
                left -= k
        conn.shutdown(socket.SHUT_WR)
        secs = time.monotonic() - start
        print("stream: %s %s %d bytes in %.3f s (cc %s)" % (peer[0], mode, n, secs, cc_of(conn)),
              file=sys.stderr, flush=True)
    except OSError as e:
        print("stream: %s: %s" % (peer[0], e), file=sys.stderr, flush=True)
    finally:
        conn.close()
        slots.release()


def cc_of(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()


def server(args):
    fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.cc:
        ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, args.cc.encode())
    ls.bind((args.bind, args.port))
    ls.listen(64)
    slots = threading.BoundedSemaphore(args.max_conns)
    print("stream: listening on %s port %d (cc %s)" % (args.bind, args.port, cc_of(ls)),
          file=sys.stderr, flush=True)
    while True:
        conn, peer = ls.accept()
        if not slots.acquire(blocking=False):
            conn.sendall(b"ERR too many connections\n")
            conn.close()
            continue
        threading.Thread(target=serve_one, args=(conn, peer, args, slots), daemon=True).start()


def client(args):
    n = next(v for v in (args.recv, args.recvm, args.echo) if v is not None)
    mode = "SEND" if args.recv is not None else "SENDM" if args.recvm is not None else "ECHO"
    deadline = time.monotonic() + args.timeout
    s = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    if args.cc:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, args.cc.encode())
    s.settimeout(min(args.timeout, 10))
    s.connect((args.host, args.port))
    cc = cc_of(s)
    h = hashlib.sha256()
    got = 0
    error = None
    sender = None
    start = time.monotonic()
    s.sendall(("%s %d\n" % (mode, n)).encode())
    if mode == "ECHO":
        def send_all():
            try:
                for c in pattern_chunks(n):
                    s.sendall(c)
            except OSError:
                pass
        sender = threading.Thread(target=send_all, daemon=True)
        sender.start()
    buf = bytearray(256 * 1024)
    view = memoryview(buf)
    try:
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                error = "timed out after %.0f s" % args.timeout
                break
            s.settimeout(min(left, 5.0))
            try:
                want = min(len(buf), n - got)
                if args.reset_after is not None:
                    want = max(1, min(want, args.reset_after - got))
                k = s.recv_into(buf, want)
            except socket.timeout:
                continue
            if k == 0:
                error = "connection closed after %d of %d bytes" % (got, n)
                break
            if got == 0 and buf[:4] == b"ERR ":
                error = bytes(buf[:k]).decode(errors="replace").strip()
                break
            h.update(view[:k])
            got += k
            if args.reset_after is not None and got >= args.reset_after:
                error = "reset by the client after %d bytes" % got
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                break
    except OSError as e:
        error = str(e)
    secs = time.monotonic() - start
    s.close()
    want = expected_sha256(n)
    out = {
        "mode": mode.lower(),
        "host": args.host,
        "port": args.port,
        "client_cc": cc,
        "bytes": got,
        "seconds": round(secs, 3),
        "goodput_MBps": round(got / secs / 1e6, 3) if secs > 0 else 0.0,
        "sha256": h.hexdigest(),
        "expected_sha256": want,
        "ok": got == n and h.hexdigest() == want and error is None,
    }
    if error:
        out["error"] = error
    if args.reset_after is not None:
        # What came before the reset was right: the pattern's first bytes.
        out["prefix_ok"] = got > 0 and h.hexdigest() == expected_sha256(got)
    print(json.dumps(out))
    return 0 if out["ok"] else 1


def main():
    ap = argparse.ArgumentParser(description="the lab's stream test (see the module doc)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("server")
    sv.add_argument("--bind", default="0.0.0.0")
    sv.add_argument("--port", type=int, default=5001)
    sv.add_argument("--cc", help="congestion control of the accepted sockets")
    sv.add_argument("--max-conns", type=int, default=16)
    sv.add_argument("--max-bytes", type=int, default=10 * 10**9)
    sv.add_argument("--idle-timeout", type=float, default=30.0)
    cl = sub.add_parser("client")
    cl.add_argument("--host", required=True)
    cl.add_argument("--port", type=int, default=5001)
    g = cl.add_mutually_exclusive_group(required=True)
    g.add_argument("--recv", type=int)
    g.add_argument("--recvm", type=int, help="as --recv, asking SENDM")
    g.add_argument("--echo", type=int)
    cl.add_argument("--reset-after", type=int, help="RST the connection after this many bytes")
    cl.add_argument("--timeout", type=float, default=120.0)
    cl.add_argument("--cc", help="congestion control of the client's socket")
    args = ap.parse_args()
    if args.cmd == "server":
        server(args)
        return 0
    n = next(v for v in (args.recv, args.recvm, args.echo) if v is not None)
    if n < 0 or n > 10**12:
        ap.error("N must be 0 to 10^12")
    return client(args)


if __name__ == "__main__":
    sys.exit(main())
