#!/usr/bin/env python3
"""Client of the lab's TCP stream test service (popdp --tcp-stream-test-port).

  streamcheck.py send HOST PORT BYTES   ask for BYTES, check length and SHA-256
  streamcheck.py echo HOST PORT BYTES   ECHO: send BYTES, check they come back identical

Prints one line: "ok <bytes> bytes in <s> s, <Mbit/s> Mbit/s, sha256 <hex>" or
"FAIL ..." (exit 1). The stream is byte i = i mod 251, as tcpsvc_stream_byte()
in dataplane/tcpsvc.
"""
import hashlib
import socket
import sys
import time

PERIOD = 251 * 1024


def period_block():
    return bytes(k % 251 for k in range(PERIOD))


def expected_sha(n):
    block = period_block()
    h = hashlib.sha256()
    full, rest = divmod(n, PERIOD)
    for _ in range(full):
        h.update(block)
    h.update(block[:rest])
    return h.hexdigest()


def main():
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 600.0
    s = socket.create_connection((host, port), timeout=30)
    s.settimeout(timeout)
    t0 = time.monotonic()
    h = hashlib.sha256()
    got = 0
    if mode == "send":
        s.sendall(b"SEND %d\n" % n)
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            h.update(b)
            got += len(b)
        want = expected_sha(n)
    else:
        import threading
        block = period_block()
        def writer():
            left = n
            while left > 0:
                chunk = block[: min(left, PERIOD)]
                s.sendall(chunk)
                left -= len(chunk)
            s.shutdown(socket.SHUT_WR)
        s.sendall(b"ECHO %d\n" % n)
        th = threading.Thread(target=writer)
        th.start()
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            h.update(b)
            got += len(b)
        th.join()
        want = expected_sha(n)
    dt = time.monotonic() - t0
    s.close()
    sha = h.hexdigest()
    mbps = got * 8 / dt / 1e6 if dt > 0 else 0
    if got != n or sha != want:
        print("FAIL %d of %d bytes in %.2f s, sha256 %s, wanted %s" % (got, n, dt, sha, want))
        return 1
    print("ok %d bytes in %.2f s, %.1f Mbit/s, sha256 %s" % (got, dt, mbps, sha))
    return 0


if __name__ == "__main__":
    sys.exit(main())
