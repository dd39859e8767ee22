# SPDX-License-Identifier: GPL-3.0-or-later
"""The snmpd.conf.d drop-in does what the README's quick fix says.

snmpd runs Debian 12's stock access lines (its communities see only the view
"systemonly") with the agent attached:

- without the drop-in the agent is connected, yet a walk of IPMI-CHANNEL-MIB
  with the stock community shows nothing (the "snmpd answers, but not for the
  MIB" of Troubleshooting);
- with the drop-in the build generates (examples/snmpd.conf.d/ipmi-agentx.conf,
  its socket path replaced) the same community reads the BMC's rows, and the
  socket has the drop-in's mode.

Environment (from CMake's `integration` test): IPMI_AGENTX_BUILD_DIR.
"""

import os
import re
import stat
from pathlib import Path

import pytest

from world import MIB_ROOT, Agent, Master

# What Debian 12's /etc/snmp/snmpd.conf (package snmpd 5.9.3) grants, but
# agentAddress: the stock file reads "agentaddress 127.0.0.1,[::1]".
STOCK = """\
view   systemonly  included   .1.3.6.1.2.1.1
view   systemonly  included   .1.3.6.1.2.1.25.1
rocommunity  public default -V systemonly
rocommunity6 public default -V systemonly
"""


def dropin_text(socket):
    build = os.environ.get("IPMI_AGENTX_BUILD_DIR")
    if not build:
        pytest.skip("IPMI_AGENTX_BUILD_DIR is not set (run the tests through ctest)")
    text = (Path(build) / "packaging" / "snmpd.conf.d" / "ipmi-agentx.conf").read_text()
    out, n = re.subn(r"(?m)^agentXSocket .*$", f"agentXSocket {socket}", text)
    assert n == 1, text
    return out


def start_master(master, text):
    master.conf.write_text(f"agentAddress udp:127.0.0.1:{master.port}\n" + text)
    master.proc.start()
    master.wait_ready()  # sysUpTime.0, which systemonly holds


def served_rows(w, community="public"):
    return w.channel_rows(w.snmpwalk(MIB_ROOT, community=community))


def test_dropin_opens_the_stock_view(aworld):
    w = aworld
    alpha = w.sim("alpha", channels=1)
    master = Master(w)
    # Debian's stock file has "master agentx" itself; only the view is
    # missing. A community of the test's own, without a view, shows when
    # the agent serves the BMC.
    start_master(master, STOCK + f"master agentx\nagentXSocket {master.socket}\n"
                 "rocommunity ipmi-test-full 127.0.0.1\n")
    agent = Agent(w, master, [alpha])
    agent.start(wait=False)
    w.wait_for(lambda: served_rows(w, "ipmi-test-full") or None, 20,
               "the agent to serve alpha (to a community without a view)")
    assert served_rows(w) == {}, "the stock view shows IPMI-CHANNEL-MIB without the drop-in"

    master.stop()
    start_master(master, STOCK + dropin_text(master.socket))
    # the agent reconnects by itself (ping_interval 1 s)
    rows = w.wait_for(lambda: served_rows(w) or None, 20, "the MIB through the stock view")
    assert set(rows) == {(1, 1)}, rows
    st = master.socket.stat()
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    agent.stop()
