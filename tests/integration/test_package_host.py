# SPDX-License-Identifier: GPL-3.0-or-later
"""The package tests leave a host's installation exactly as it was.

A host is made in a Sandbox (sandbox.py) of its own: the package installed
there with dpkg, /etc/ipmi-agentx configured as an operator would (an edited
configuration, a password file, a file of the operator's own), the unit
enabled. Then test_package.py runs inside that host, as a test run on such a
machine would, and afterwards everything that installation changed on the
host (the overlays' upper layers: every file of /etc, /usr, /var with its
type, mode, owner and content digest) must be as before, and the package
still installed and configured.

The package tests skip lintian and the build checks here (they look at the
.deb, not at an installation) and use the package this module built. Skipped
where no sandbox can be had, like the package tests, and in the sanitizer
build.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

import debbuild
from debbuild import PKG
from sandbox import Sandbox, SandboxUnavailable

USER = "_ipmi-agentx"
CONFIG = "/etc/ipmi-agentx/ipmi-agentx.yaml"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="installs a package: needs root"),
    pytest.mark.skipif(shutil.which("dpkg") is None, reason="not a Debian system"),
    pytest.mark.skipif(os.environ.get("IPMI_AGENTX_SANITIZE") in ("1", "ON", "true"),
                       reason="the sanitizer build does not change the package: "
                              "the plain run tests it"),
]

OPERATOR_CONFIG = """\
# edited by the operator
agentx:
  socket: /var/agentx/master
refresh_interval: 60
bmcs:
  - name: local
    driver: inband
  - name: rack1-node7
    index: 7
    driver: lanplus
    host: 10.0.0.7
    username: admin
    password_file: rack1-node7.password
"""


def host_run(host, *argv, timeout=300, **kw):
    res = host.run(list(argv), check=False, timeout=timeout, **kw)
    if res.returncode != 0:
        pytest.fail(f"(host) {' '.join(map(str, argv))} exited {res.returncode}\n"
                    f"{res.stdout}\n{res.stderr}")
    return res


@pytest.fixture(scope="module")
def configured_host(source_dir):
    package = debbuild.package(source_dir)
    host = Sandbox("ipmi-agentx-host")
    try:
        host.start()
    except SandboxUnavailable as exc:
        pytest.skip(f"no isolated root to play a host in ({exc})")
    host.run(["dpkg", "-P", PKG], check=False, timeout=120)  # a fresh host
    host_run(host, "dpkg", "-i", package.deb, timeout=120)
    conf = host.path(CONFIG)
    conf.write_text(OPERATOR_CONFIG)
    password = host.path("/etc/ipmi-agentx/rack1-node7.password")
    password.write_text("operator-secret\n")
    host_run(host, "chown", f"{USER}:{USER}", CONFIG, "/etc/ipmi-agentx/rack1-node7.password")
    host_run(host, "chmod", "600", CONFIG, "/etc/ipmi-agentx/rack1-node7.password")
    host.path("/etc/ipmi-agentx/NOTES").write_text("the operator's own file\n")
    host_run(host, "/usr/sbin/ipmi-agentx", "--check-config")
    yield host, package
    host.stop()


def test_package_tests_leave_the_host_alone(configured_host, source_dir, tmp_path):
    host, package = configured_host
    before = host.upper_state()
    status_before = host_run(host, "dpkg-query", "-W", "-f=${Status} ${Version}", PKG).stdout
    assert status_before.startswith("install ok installed")
    assert any(p.startswith("./etc/ipmi-agentx/") for p in before), sorted(before)

    here = Path(__file__).resolve().parent
    env = dict(os.environ, IPMI_AGENTX_PACKAGE_DEB=str(package.deb),
               PYTHONDONTWRITEBYTECODE="1")
    if package.ddeb:
        env["IPMI_AGENTX_PACKAGE_DDEB"] = str(package.ddeb)
    argv = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
            "--basetemp", str(tmp_path / "pytest"),
            "-k", "not lintian and not offline and not debug_symbols",
            str(here / "test_package.py")]
    res = host.run(argv, check=False, timeout=1200, env=env, cwd=here)
    out = res.stdout + res.stderr

    # first what this test is about: whatever the package tests did or failed
    after = host.upper_state()
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    assert not changed, "the package tests changed the host's installation:\n" + "\n".join(
        f"  {p}: {before.get(p, '(absent)')} -> {after.get(p, '(absent)')}"
        for p in changed[:40]) + f"\n(of {len(changed)})\n--- their output ---\n{out[-3000:]}"
    status_after = host_run(host, "dpkg-query", "-W", "-f=${Status} ${Version}", PKG).stdout
    assert status_after == status_before
    assert host.path(CONFIG).read_text() == OPERATOR_CONFIG
    assert host.path("/etc/ipmi-agentx/rack1-node7.password").read_text() == "operator-secret\n"
    assert host.path("/etc/ipmi-agentx/NOTES").exists()

    # and they ran, installing and purging (in their own sandbox)
    assert res.returncode == 0, f"test_package.py inside the host failed:\n{out}"
    assert " passed" in out and "skipped" not in out.split("passed")[-1], out
