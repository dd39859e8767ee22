# SPDX-License-Identifier: GPL-3.0-or-later
"""What the benchmarks of bench/ share (stress.py, fleet.py).

On top of the integration tests' helpers (tests/integration/world.py,
agentlog.py and relays.py, imported, not copied; re-exported here as wm,
agentlog and DelayProxy):

- the command-line options every benchmark has (--agent, --mibdirs, --keep)
  and their checks, and SIGTERM taken as ^C;
- a World whose simulator scripts are a copy in its own directory
  (new_world); it is ended with the tests' World.finish(failed, keep=...);
- samples of a process from /proc (VmRSS, VmHWM, threads, descriptors, CPU);
- nearest-rank percentiles.
"""

import math
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SOURCE / "tests" / "integration"))

import agentlog  # noqa: E402,F401 - needs the path above; for the benchmarks
import world as wm  # noqa: E402
from relays import DelayProxy  # noqa: E402,F401 - for fleet.py

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
    """A World whose simulator scripts are a copy in its own directory (an
    edit of the tree during a long run must not reach the simulators). End
    it with w.finish(not ok, keep=args.keep)."""
    return wm.World(args.agent, args.mibdirs, SOURCE, copy_sim_scripts=True)


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
                      int(fields["Threads"]), fds, wm.cpu_seconds(pid))


# --- figures ------------------------------------------------------------------


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]
