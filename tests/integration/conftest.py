# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest wiring of the integration world (see world.py).

Environment, set by CMake's `integration` test:
  IPMI_AGENTX_BIN      the agent binary (tests that need it skip without it)
  IPMI_AGENTX_MIBDIRS  colon-separated MIB directories: IPMI-CHANNEL-MIB.txt
                       and the standard SNMPv2-* modules
  IPMI_AGENTX_SOURCE   the source tree (default: two levels above this file)

Each test that uses `world` gets a fresh directory under /tmp. It is removed
when the test passes; when it fails, it is kept (World.finish), and its path
and the tail of every log are added to the failure report. A world shared
by a module (world.module_world) is attached to each of its tests with
world.attach_world, for the same report.
"""

import os
from pathlib import Path

import pytest

import world as worldmod


def _source_dir():
    return Path(os.environ.get("IPMI_AGENTX_SOURCE",
                               Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def source_dir():
    return _source_dir()


@pytest.fixture(scope="session")
def mibdirs():
    dirs = os.environ.get("IPMI_AGENTX_MIBDIRS")
    if not dirs:
        pytest.skip("IPMI_AGENTX_MIBDIRS is not set (run the tests through ctest)")
    missing = [m for m in ("IPMI-CHANNEL-MIB.txt", "SNMPv2-SMI.txt", "SNMPv2-MIB.txt")
               if not any((Path(d) / m).exists() for d in dirs.split(":"))]
    if missing:
        pytest.fail(f"IPMI_AGENTX_MIBDIRS={dirs} lacks {', '.join(missing)}")
    return dirs


@pytest.fixture(scope="session")
def agent_bin():
    path = os.environ.get("IPMI_AGENTX_BIN")
    if not path:
        pytest.skip("IPMI_AGENTX_BIN is not set (run the tests through ctest)")
    if not os.access(path, os.X_OK):
        pytest.fail(f"IPMI_AGENTX_BIN={path} is not an executable")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        item.world_failed = True
        w = getattr(item, "world", None)
        if w is not None:
            rep.sections.append((f"world {w.dir} (kept)", w.log_tails()))


def _make_world(request, agent_bin, mibdirs):
    w = worldmod.World(agent_bin, mibdirs, _source_dir())
    worldmod.attach_world(request, w)
    return w


def _finish_world(request, w):
    w.finish(getattr(request.node, "world_failed", False))


@pytest.fixture
def world(request, mibdirs):
    """A world without the agent binary: sims, master and clients only."""
    w = _make_world(request, None, mibdirs)
    yield w
    _finish_world(request, w)


@pytest.fixture
def aworld(request, mibdirs, agent_bin):
    """A world that can also start the agent."""
    w = _make_world(request, agent_bin, mibdirs)
    yield w
    _finish_world(request, w)


@pytest.fixture
def tmpdir_short():
    """A plain temporary directory under /tmp (for tests without peers)."""
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="ipmi-agentx-it-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    leaked = [p for p in worldmod.all_processes() if p.running()]
    for p in leaked:
        p.kill()
    if leaked:
        names = ", ".join(f"{p.name} (pid {p.pid})" for p in leaked)
        print(f"\nintegration: killed leaked processes: {names}")
        session.exitstatus = 1
