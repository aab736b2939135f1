#!/usr/bin/env python3
"""Drive a VM's serial console (a qemu chardev unix socket) like an admin.

  console.py SOCK setup PASSWORD HOST LAN GW DNS HBNET NTP [TIMEOUT]
                                             the first-boot setup in the serial
                                             menu (twin-console): the admin password,
                                             then the network (HBNET: A.B.C.0)
  console.py SOCK login PASSWORD [TIMEOUT]   the menu's maintenance shell, behind
                                             the admin password
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


# the serial menu (twin-console, userland/panel/term_layout.c): numbered
# items, the input line "> " at the bottom
ITEM = r"(\d+)\) %s"
# a line that is no choice: the menu draws itself again with a note saying so
# (an empty line would pick the marked item; the menu draws only a changed
# screen, so each nudge is new); a shell takes it as a comment
_nudges = [0]


def nudge():
    _nudges[0] += 1
    return "#%d-%d\r" % (os.getpid(), _nudges[0])
FIELD = r"\n%s\n(?:[^\n]*\n){1,4}> $"  # the label, its value (an error), the hint, the input


def left(end):
    return max(1.0, end - time.time())


def login(c, password, timeout):
    """The serial line shows the menu: its maintenance shell, with the
    admin password if the menu asks for it."""
    c.send(nudge())
    end = time.time() + timeout
    while time.time() < end:
        i, m = c.expect([PROMPT, ITEM % "Maintenance shell", ITEM % "First-boot setup",
                         r"any key: back"], left(end))
        if i == 0:
            # no line wrapping; the echo stays on: with "stty -echo" busybox
            # ash reads its commands with a plain fgets that a SIGCHLD (a
            # background job ending) interrupts, which it takes as the end
            # of input: the shell exits. run() drops the echoed command.
            c.send("stty cols 1000\n")
            c.expect([PROMPT], 10)
            return 0
        if i == 2:
            print("console.py: this node is not set up (first-boot setup)", file=sys.stderr)
            return 3
        if i == 3:  # a message: any key, then the menu
            c.send(nudge())
            continue
        c.send(m.group(1) + "\r")
        j, _ = c.expect([r"Admin password", PROMPT], left(end))
        if j == 1:  # unlocked still: straight into the shell
            c.send("stty cols 1000\n")
            c.expect([PROMPT], 10)
            return 0
        c.send(password + "\r")
        k, _ = c.expect([PROMPT, r"Wrong password", r"Cannot check"], left(end))
        if k != 0:
            return 1
        c.send("stty cols 1000\n")
        c.expect([PROMPT], 10)
        return 0
    return 1


def setup(c, values, timeout):
    """The first-boot setup as an admin types it at the serial menu."""
    password, host, lan, gw, dns, hb, ntp = values
    end = time.time() + timeout
    c.send(nudge())
    _, m = c.expect([ITEM % "First-boot setup"], left(end))
    c.send(m.group(1) + "\r")
    for label, value in (("New password", password), ("Again", password), ("Host name", host),
                         ("eth0 address", lan), ("Gateway", gw), ("DNS server", dns),
                         ("eth1 network", hb), ("NTP server", ntp)):
        c.expect([FIELD % label], left(end))
        c.send(value + "\r")
    c.expect([r"Apply\?"], left(end))
    c.send("2\r")
    _, m = c.expect([r"(?s)(Not applied:.*|password set.*)any key: back"], left(end))
    sys.stdout.write(ANSI.sub("\n", m.group(1)))
    c.send("\r")
    return 1 if m.group(1).startswith("Not applied") else 0


def run(c, cmd, timeout):
    c.send(nudge())
    # a loaded VM (TCG, a DRBD resync) can take a while to show its prompt
    i, _ = c.expect([PROMPT, ITEM % "Maintenance shell"], min(30, timeout))
    if i == 1:
        # the shell ended, the menu is back (someone typed exit, or a VM
        # restarted): into the shell again with the password the harness
        # gave (TWIN_CONSOLE_PASSWORD)
        pw = os.environ.get("TWIN_CONSOLE_PASSWORD", "")
        print("console.py: the shell had ended: into the menu's shell again", file=sys.stderr)
        if not pw or login(c, pw, min(60, timeout)) != 0:
            raise TimeoutError("console: the shell ended and the login failed")
        c.send("\n")
        c.expect([PROMPT], min(30, timeout))
    c.send(cmd + '; echo "__R""C=$?__"\n')
    _, m = c.expect([r"__RC=(\d+)__\n"], timeout)
    # the output is what came before the marker, less the echoed command line
    out = m.string[:m.start()]
    # the terminal echoes the command line: drop it
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
    if op == "setup":
        timeout = float(sys.argv[10]) if len(sys.argv) > 10 else 120
        return setup(Console(path, timeout), sys.argv[3:10], timeout)
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
