#!/bin/bash
# vzctl enter: a shell on a pty inside the CT, with the terminal in raw mode
# and window-size changes forwarded; driven from a real pty (python's pty).
. "$(dirname "$0")/lib.sh"
need_cache busybox
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
STARTED=101

expect_rc 0 vzctl create 101 --ostemplate busybox --hostname enter.example.com
expect_rc 0 vzctl start 101

cat > $T/drive.py <<'PY'
import fcntl, os, pty, select, signal, struct, sys, termios, time

def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

def read_until(fd, token, timeout=10):
    buf, end = b"", time.time() + timeout
    while token not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            buf += data
    return buf.decode(errors="replace")

pid, fd = pty.fork()
if pid == 0:
    os.execvp("vzctl", ["vzctl", "enter", "101"])
winsize(fd, 33, 111)
out = read_until(fd, b"#")
os.write(fd, b"echo TTY=$(tty) SIZE=$(stty size) HOST=$(hostname) ID=$(id -u)\r")
out += read_until(fd, b"HOST=enter")
out += read_until(fd, b"#")
# Resize the outer terminal: vzctl forwards it (SIGWINCH) to the CT's pty.
winsize(fd, 40, 90)
os.kill(pid, signal.SIGWINCH)
time.sleep(0.5)
os.write(fd, b"echo NEWSIZE=$(stty size)\r")
out += read_until(fd, b"NEWSIZE=4")
out += read_until(fd, b"#")
os.write(fd, b"exit\r")
out += read_until(fd, b"exited from")
_, status = os.waitpid(pid, 0)
print(out)
print("STATUS", os.waitstatus_to_exitcode(status))
PY
out=$(timeout 60 python3 $T/drive.py)
echo "$out" | grep -q "entered into CT 101" || fail "no 'entered into' line: $out"
echo "$out" | grep -Eq "TTY=/dev/pts/[0-9]+ SIZE=33 111 HOST=enter.example.com ID=0" ||
        fail "shell inside: $out"
echo "$out" | grep -q "NEWSIZE=40 90" || fail "window size change not forwarded: $out"
echo "$out" | grep -q "STATUS 0" || fail "enter did not end cleanly: $out"
ok "enter"

expect_rc 0 vzctl stop 101
expect_rc 31 vzctl enter 101
expect_rc 0 vzctl destroy 101
