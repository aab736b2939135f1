#!/usr/bin/env python3
"""A minimal SNTP server (RFC 4330 §5) for the VM tests: answers each client
request with this host's clock, as a stratum 2 server would.

  ntp_server.py ADDRESS [PORT]     runs until killed; prints one line a request
"""
import socket
import struct
import sys
import time

NTP_EPOCH = 2208988800  # 1900-01-01 to 1970-01-01 in seconds


def ntp_ts(t):
    sec = int(t)
    return struct.pack("!II", sec + NTP_EPOCH, int((t - sec) * (1 << 32)) & 0xFFFFFFFF)


def main():
    addr = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 123
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(512)
        rx = time.time()
        if len(data) < 48 or data[0] & 7 != 3:  # client mode only
            continue
        vn = (data[0] >> 3) & 7
        reply = struct.pack("!BBbb", (vn << 3) | 4, 2, data[2], -20)
        reply += struct.pack("!II", 0, 1 << 10)  # root delay 0, dispersion ~16 ms
        reply += socket.inet_aton("192.168.1.1")  # reference id: an upstream
        reply += ntp_ts(rx - 16) + data[40:48] + ntp_ts(rx) + ntp_ts(time.time())
        s.sendto(reply, peer)
        print("answered %s:%d" % peer, flush=True)


if __name__ == "__main__":
    main()
