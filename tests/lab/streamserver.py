#!/usr/bin/python3
"""The stream test protocol (SEND <bytes> / ECHO, see dataplane/tcpsvc/tcpsvc.h)
served by Linux's own TCP from a kernel socket: the reference pop's TCP is
compared with. Usage: streamserver.py ADDR PORT [CC]  (CC: e.g. cubic, reno)."""
import socket
import sys
import threading

PERIOD = 65521
BLOCK = bytes((((k * 2654435761) & 0xffffffff) >> 13) & 0xff for k in range(PERIOD))
STREAM = BLOCK * 16  # a whole number of periods, ~1 MB


def serve(c):
    try:
        line = b""
        while not line.endswith(b"\n") and len(line) < 40:
            b = c.recv(1)
            if not b:
                return
            line += b
        if line.startswith(b"SEND "):
            left = int(line[5:])
            while left > 0:
                n = min(left, len(STREAM))
                c.sendall(STREAM[:n])
                left -= n
        elif line == b"ECHO\n":
            while True:
                b = c.recv(1 << 16)
                if not b:
                    break
                c.sendall(b)
    finally:
        c.close()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if len(sys.argv) > 3:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, sys.argv[3].encode())
    s.bind((addr, port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
