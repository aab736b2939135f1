#!/usr/bin/env python3
"""Drive a VM's serial console (a qemu chardev unix socket) like an admin.

  console.py SOCK login PASSWORD [TIMEOUT]   set the first-boot password if
                                             asked, then log in as root
  console.py SOCK run 'COMMAND' [TIMEOUT]    run COMMAND in the logged-in shell,
                                             print its output, exit with its status
  console.py SOCK wait REGEX [TIMEOUT]       wait until the console prints REGEX
  console.py SOCK dialog TIMEOUT SEND EXPECT [SEND EXPECT...]
                                             a full-screen program on the console
                                             (twin-console): send each text (Python
                                             escapes: \\r, \\x03), wait for its regex;
                                             prints the screens seen
"""
import os
import re
import socket
import sys
import time

# PS1 is '\h:\w\$ ' (rootfs/etc/profile); ash may follow it with a cursor query
PROMPT = r"[\w.-]+:[^\n]*[#$] (\x1b\[6n)?"


def connect(path, timeout):
    end = time.time() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.settimeout(0.2)
            return s
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.2)


class Console:
    def __init__(self, path, timeout):
        self.s = connect(path, timeout)
        self.buf = ""

    def send(self, text):
        self.s.sendall(text.encode())

    def expect(self, patterns, timeout):
        """Waits for one of the regexes; returns (index, match), consumes
        the text up to the end of the match."""
        end = time.time() + timeout
        while True:
            for i, p in enumerate(patterns):
                m = re.search(p, self.buf)
                if m:
                    self.buf = self.buf[m.end():]
                    return i, m
            if time.time() > end:
                raise TimeoutError("console: none of %r in %r" % (patterns, self.buf[-400:]))
            try:
                data = self.s.recv(4096)
                if not data:
                    raise EOFError("console closed")
                self.buf += data.decode(errors="replace").replace("\r", "")
            except socket.timeout:
                pass


def login(c, password, timeout):
    c.send("\n")
    end = time.time() + timeout
    while time.time() < end:
        i, _ = c.expect([r"New password: ", r"Repeat password: ", r"login: ", r"Password: ",
                         PROMPT, r"Login incorrect"], end - time.time())
        if i in (0, 1, 3):
            c.send(password + "\n")
        elif i == 2:
            c.send("root\n")
        elif i == 4:
            # no echo, no line wrapping: run() then reads only the output
            c.send("stty -echo cols 1000\n")
            c.expect([PROMPT], 10)
            return 0
        elif i == 5:
            return 1
    return 1


def run(c, cmd, timeout):
    c.send("\n")
    # a loaded VM (TCG, a DRBD resync) can take a while to show its prompt
    i, _ = c.expect([PROMPT, r"login: "], min(30, timeout))
    if i == 1:
        # the shell ended (seen on a VM restarted in the same directory: a
        # background job closing ttyS1 hangs up the ttyS0 session); log in
        # again with the password the harness gave (TWIN_CONSOLE_PASSWORD)
        pw = os.environ.get("TWIN_CONSOLE_PASSWORD", "")
        print("console.py: the shell had ended: logging in again", file=sys.stderr)
        if not pw or login(c, pw, min(60, timeout)) != 0:
            raise TimeoutError("console: the shell ended and the login failed")
        c.send("\n")
        c.expect([PROMPT], min(30, timeout))
    c.send(cmd + '; echo "__R""C=$?__"\n')
    _, m = c.expect([r"__RC=(\d+)__\n"], timeout)
    # the output is what came before the marker, less the echoed command line
    out = m.string[:m.start()]
    # ash's line editor echoes the command even with stty -echo: drop it
    echoed = out.find('"__R""C=$?__"')
    if echoed >= 0:
        out = out[echoed:].split("\n", 1)[1] if "\n" in out[echoed:] else ""
    sys.stdout.write(out)
    return int(m.group(1))


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def dialog(c, steps, timeout):
    for i in range(0, len(steps) - 1, 2):
        c.send(steps[i].encode().decode("unicode_escape"))
        _, m = c.expect([steps[i + 1]], timeout)
        seen = ANSI.sub("\n", m.string[:m.end()])
        sys.stdout.write("--- sent %r, saw %r:\n%s\n" % (steps[i], steps[i + 1], seen[-1200:]))
    return 0


def main():
    path, op = sys.argv[1], sys.argv[2]
    if op == "dialog":
        timeout = float(sys.argv[3])
        return dialog(Console(path, timeout), sys.argv[4:], timeout)
    arg = sys.argv[3]
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 60
    c = Console(path, timeout)
    if op == "login":
        return login(c, arg, timeout)
    if op == "run":
        return run(c, arg, timeout)
    if op == "wait":
        c.expect([arg], timeout)
        return 0
    print("console.py: unknown operation " + op, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (TimeoutError, EOFError, OSError) as e:
        print("console.py: %s" % e, file=sys.stderr)
        sys.exit(124)
