"""What the benchmarks of bench/ share (stress.py, fleet.py).

On top of the integration tests' world (tests/integration/world.py and
hardenlib.py, imported, not copied):

- the command-line options every benchmark has (--agent, --mibdirs, --keep)
  and their checks, and SIGTERM taken as ^C;
- a World whose simulator scripts are a copy in its own directory, and the
  one way to close it (stop by pid; keep the directory after a failure or
  on --keep);
- samples of a process from /proc (VmRSS, VmHWM, threads, descriptors, CPU);
- nearest-rank percentiles;
- the agent's warning and error lines after a mark in its log.
"""

import math
import os
import re
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SOURCE / "tests" / "integration"))

import hardenlib as hl  # noqa: E402 - needs the path above
import world as wm  # noqa: E402

# --- options ------------------------------------------------------------------


def add_common_args(p):
    """--agent, --mibdirs and --keep, with the tests' environment defaults."""
    p.add_argument("--agent", default=os.environ.get(
        "IPMI_AGENTX_BIN", str(SOURCE / "build" / "ipmi-agentx")),
        help="agent binary (default: $IPMI_AGENTX_BIN or build/ipmi-agentx)")
    p.add_argument("--mibdirs", default=os.environ.get(
        "IPMI_AGENTX_MIBDIRS", f"{SOURCE / 'mibs'}:{SOURCE / 'build' / 'std-mibs'}"),
        help="MIB directories (default: $IPMI_AGENTX_MIBDIRS or mibs:build/std-mibs)")
    p.add_argument("--keep", action="store_true", help="keep the world directories")


def check_inputs(p, args):
    """p.error() unless the agent is executable and the MIBs are found."""
    if not os.access(args.agent, os.X_OK):
        p.error(f"agent binary {args.agent} is not executable (build first or pass --agent)")
    dirs = args.mibdirs.split(":")
    for mib in ("IPMI-CHANNEL-MIB.txt", "SNMPv2-SMI.txt", "SNMPv2-MIB.txt"):
        if not any((Path(d) / mib).exists() for d in dirs):
            p.error(f"--mibdirs {args.mibdirs} lacks {mib}")


def interrupt_on_sigterm():
    """SIGTERM ends a run as ^C does: worlds are closed, peers stopped."""
    def on_sigterm(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_sigterm)


# --- worlds -------------------------------------------------------------------


def new_world(args):
    """A World whose simulator scripts are a copy in its own directory:
    ipmi_sim runs tests/sim/lancfg.sh on every LAN read, and an edit of the
    tree during a long run would otherwise fail requests mid-way."""
    w = wm.World(args.agent, args.mibdirs, SOURCE)
    copy = w.dir / "source"
    shutil.copytree(SOURCE / "tests" / "sim", copy / "tests" / "sim")
    w.source = copy
    return w


def close_world(w, ok, args):
    """Stop what the world started; keep its directory after a failure or on --keep."""
    w.close()
    if ok and not args.keep:
        w.remove()
    else:
        print(f"world directory kept: {w.dir}")


# --- processes ----------------------------------------------------------------


@dataclass
class ProcSample:
    rss_kib: int
    hwm_kib: int
    threads: int
    fds: int
    cpu_seconds: float  # user + system since the process started

    def line(self):
        return (f"VmRSS {self.rss_kib:6d} KiB  VmHWM {self.hwm_kib:6d} KiB  "
                f"threads {self.threads}  fds {self.fds}  cpu {self.cpu_seconds:.2f}s")


def sample_process(pid):
    """VmRSS, VmHWM, thread and descriptor counts from /proc/PID."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            fields[key] = val.split()[0] if val.split() else ""
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return ProcSample(int(fields["VmRSS"]), int(fields["VmHWM"]),
                      int(fields["Threads"]), fds, hl.cpu_seconds(pid))


# --- figures ------------------------------------------------------------------


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


# --- the agent's log ----------------------------------------------------------


def log_problems(agent, mark):
    """The agent's warning and error lines written after `mark` (bytes)."""
    return [line for line in hl.log_since(agent, mark).splitlines()
            if re.search(r" (error|warning): ", line)]
