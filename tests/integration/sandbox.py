# SPDX-License-Identifier: GPL-3.0-or-later
"""A throw-away copy of this machine's installation for package tests.

A Sandbox is a private mount namespace (util-linux `unshare --mount
--propagation private`) in which every top-level directory that dpkg writes
to (/etc, /usr, /var, /opt and, on a system without merged /usr, /bin, /sbin,
/lib*) is an overlay whose upper layer is a tmpfs of the namespace, and /run
is an empty tmpfs. Inside it `dpkg -i`, `dpkg -P`, the maintainer scripts and
systemd-sysusers see the machine's real dpkg database and libraries, and
everything they change lands in the tmpfs, which vanishes with the namespace.
The machine's own installation (a package installed there, a configured
/etc/ipmi-agentx) is never touched.

The empty /run keeps the maintainer scripts away from the machine's service
managers: with no /run/systemd/system they do not call systemctl (a host
with systemd would otherwise reload and start its own units), and with no
/run/udev no udevadm.

Commands run inside with `Sandbox.run` (nsenter into the namespace); files
inside are read through `Sandbox.path` (/proc/PID/root of the namespace's
holder process). Sandboxes nest: one started inside another overlays the
outer one's overlays (overlayfs stacks two deep).

`Sandbox.start` checks that the isolation holds (a file made inside must not
appear outside) and raises SandboxUnavailable when it cannot be had: not
root, no unshare/nsenter, or no overlayfs (some containers). Package tests
then skip rather than touch the machine.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

# Top-level directories dpkg and the maintainer scripts may write. Symbolic
# links (merged /usr: /bin -> usr/bin) are followed by the overlay of /usr.
# Not /root, /home, /tmp: a source tree or build directory there stays the
# machine's (dpkg never writes there).
OVERLAID = ("etc", "usr", "var", "opt", "srv",
            "bin", "sbin", "lib", "lib32", "lib64", "libx32")

_SETUP = r"""
set -eu
top=$1
shift
mount -t tmpfs -o mode=0700 ipmi-agentx-sandbox "$top"
for d in "$@"; do
	[ -d "/$d" ] && [ ! -L "/$d" ] || continue
	mkdir -p "$top/upper/$d" "$top/work/$d"
	mount -t overlay overlay \
		-o "lowerdir=/$d,upperdir=$top/upper/$d,workdir=$top/work/$d" "/$d"
done
mount -t tmpfs -o mode=0755 ipmi-agentx-sandbox-run /run
echo "ready $$"
exec sleep 2147483647
"""


class SandboxUnavailable(Exception):
    """Isolation cannot be had on this machine; the reason is the message."""


class Sandbox:
    def __init__(self, name="ipmi-agentx-sandbox"):
        self.name = name
        self.top = None      # the tmpfs mount point (an empty directory outside)
        self.pid = None      # the holder process inside the namespace
        self._proc = None

    # --- life cycle ----------------------------------------------------------

    def start(self):
        if os.geteuid() != 0:
            raise SandboxUnavailable("needs root (mount namespaces and overlayfs)")
        for tool in ("unshare", "nsenter", "mount"):
            if shutil.which(tool) is None:
                raise SandboxUnavailable(f"{tool} not found (util-linux)")
        self.top = Path(tempfile.mkdtemp(prefix=f"{self.name}."))
        self._proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--fork", "--kill-child",
             "sh", "-c", _SETUP, "sandbox-setup", str(self.top), *OVERLAID],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        line = self._proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            err = self._proc.stderr.read() if self._proc.poll() is not None else ""
            self.stop()
            raise SandboxUnavailable(
                f"cannot set up a private mount namespace with overlays: {err.strip() or line}")
        self.pid = int(line[1])
        self._check_isolated()
        return self

    def _check_isolated(self):
        probe = f"/etc/.ipmi-agentx-sandbox-probe-{uuid.uuid4().hex}"
        res = self.run(["sh", "-c", f': > "{probe}"'], check=False)
        inside = res.returncode == 0 and self.path(probe).exists()
        outside = os.path.lexists(probe)
        if outside:
            os.unlink(probe)
        self.run(["rm", "-f", probe], check=False)
        if not inside or outside:
            self.stop()
            raise SandboxUnavailable(
                "a file made in the sandbox's /etc " +
                ("appeared on the machine" if outside else "could not be made"))

    def stop(self):
        if self._proc is not None:
            if self.pid is not None:
                # the holder: unshare, its parent, ignores SIGTERM and exits
                # when it does, taking the namespace with it
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            for f in (self._proc.stdout, self._proc.stderr):
                if f is not None:
                    f.close()
            self._proc = None
        self.pid = None
        if self.top is not None:
            try:
                self.top.rmdir()  # only ever the empty mount point, outside
            except OSError:
                pass
            self.top = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- inside --------------------------------------------------------------

    def argv(self, argv, cwd=None):
        """argv run inside the namespace, in cwd (default: this process's;
        entering a mount namespace would otherwise start it in /)."""
        assert self.pid is not None, "sandbox not started"
        return ["nsenter", f"--target={self.pid}", "--mount", f"--wd={cwd or os.getcwd()}",
                "--", *map(str, argv)]

    def run(self, argv, check=True, timeout=300, cwd=None, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        kw.setdefault("stdin", subprocess.DEVNULL)
        res = subprocess.run(self.argv(argv, cwd), timeout=timeout, **kw)
        if check and res.returncode != 0:
            raise subprocess.CalledProcessError(res.returncode, argv, res.stdout, res.stderr)
        return res

    def path(self, path):
        """An absolute path inside the sandbox, as this process can open it.

        (An absolute symbolic link met on the way resolves outside: use
        os.readlink rather than following links.)"""
        assert self.pid is not None, "sandbox not started"
        return Path(f"/proc/{self.pid}/root") / str(path).lstrip("/")

    def upper_state(self):
        """{path: what} of everything changed in the sandbox so far (its
        overlays' upper layers): type, mode, owner, size and content digest
        of files, link targets. Two equal states mean nothing changed between
        them."""
        res = self.run(["sh", "-c",
                        'cd "$1/upper" && find . -mindepth 1 -printf "%p\\t%y %m %U:%G %s %l\\n" '
                        '-type f -exec sha256sum {} +',
                        "upper-state", str(self.top)], timeout=120)
        state = {}
        for line in res.stdout.splitlines():
            if "\t" in line:
                p, what = line.split("\t", 1)
                state[p] = state.get(p, "") + what
            else:
                digest, p = line.split(None, 1)
                state[p] = state.get(p, "") + " sha256:" + digest
        return state
