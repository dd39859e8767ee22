# SPDX-License-Identifier: GPL-3.0-or-later
"""Installing from source: where the system-integration files go, and a
root `cmake --install` that leaves a working unprivileged service.

- The unit, sysusers.d and udev directories come from pkg-config's systemd
  (and udev) files for prefix /usr: this machine's (Debian 12: /lib/...),
  one that answers as Debian 13's does (/usr/lib/...), and none at all
  (the fallbacks under the prefix).
- Another prefix installs everything under it, and the unit it generates
  runs that prefix's binary with that prefix's configuration.
- `cmake --install` as root without DESTDIR (in a sandbox, see sandbox.py:
  never on this machine) creates the system user with systemd-sysusers and
  gives it the configuration, which the agent then reads as that user.
"""

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

import debbuild
from sandbox import Sandbox, SandboxUnavailable

USER = "_ipmi-agentx"
PATHS_RE = re.compile(r"ipmi-agentx: unit in (\S+), sysusers\.d in (\S+), udev rules in (\S+)")


def cmake():
    return os.environ.get("CMAKE_COMMAND") or shutil.which("cmake")


def configure(source_dir, build, prefix, env=None):
    """(unit dir, sysusers.d dir, udev rules dir, generated unit text)."""
    res = subprocess.run([cmake(), "-S", str(source_dir), "-B", str(build),
                          f"-DCMAKE_INSTALL_PREFIX={prefix}", "-DBUILD_TESTING=OFF"],
                         capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, **(env or {})))
    assert res.returncode == 0, res.stdout + res.stderr
    m = PATHS_RE.search(res.stdout)
    assert m, res.stdout
    return m.group(1), m.group(2), m.group(3), (Path(build) / "ipmi-agentx.service").read_text()


def pkg_config_dir(tmp, systemd_pc=None):
    """A PKG_CONFIG_LIBDIR with this machine's .pc files but systemd's and
    udev's, and `systemd_pc` as systemd.pc if given."""
    out = tmp / "pkgconfig"
    out.mkdir()
    path = subprocess.run(["pkg-config", "--variable", "pc_path", "pkg-config"],
                          capture_output=True, text=True).stdout.strip()
    for d in path.split(":"):
        for pc in Path(d).glob("*.pc") if Path(d).is_dir() else []:
            if pc.name not in ("systemd.pc", "udev.pc") and not (out / pc.name).exists():
                (out / pc.name).symlink_to(pc)
    if systemd_pc:
        (out / "systemd.pc").write_text(systemd_pc)
    return {"PKG_CONFIG_LIBDIR": str(out), "PKG_CONFIG_PATH": ""}


def pkg_variable(module, variable):
    return subprocess.run(["pkg-config", f"--variable={variable}", module],
                          capture_output=True, text=True).stdout.strip()


def test_dirs_from_this_machines_pkg_config(source_dir, tmp_path):
    if subprocess.run(["pkg-config", "--exists", "systemd"]).returncode != 0:
        pytest.fail("no systemd.pc: install Debian's systemd (scripts/install-deps.sh does)")
    want = pkg_variable("systemd", "systemdsystemunitdir")
    sysusers = pkg_variable("systemd", "sysusersdir")
    unitdir, sysusersdir, _, unit = configure(source_dir, tmp_path / "b", "/usr")
    assert (unitdir, sysusersdir) == (want, sysusers)
    assert "ExecStart=/usr/sbin/ipmi-agentx -c /etc/ipmi-agentx/ipmi-agentx.yaml -f" in unit


def test_dirs_as_debian_13_says(source_dir, tmp_path):
    """A systemd.pc that puts units under /usr/lib (merged /usr, Debian 13)."""
    pc = ("prefix=/usr\nrootprefix=/usr\nsystemdsystemunitdir=/usr/lib/systemd/system\n"
          "sysusersdir=/usr/lib/sysusers.d\n"
          "Name: systemd\nDescription: systemd\nVersion: 257\n")
    unitdir, sysusersdir, udevdir, _ = configure(source_dir, tmp_path / "b", "/usr",
                                                 pkg_config_dir(tmp_path, pc))
    assert (unitdir, sysusersdir, udevdir) == (
        "/usr/lib/systemd/system", "/usr/lib/sysusers.d", "/usr/lib/udev/rules.d")


def test_dirs_without_systemd_pc(source_dir, tmp_path):
    unitdir, sysusersdir, udevdir, _ = configure(source_dir, tmp_path / "b", "/usr",
                                                 pkg_config_dir(tmp_path))
    assert (unitdir, sysusersdir, udevdir) == (
        "/usr/lib/systemd/system", "/usr/lib/sysusers.d", "/usr/lib/udev/rules.d")


def test_other_prefix(source_dir, tmp_path):
    unitdir, sysusersdir, udevdir, unit = configure(source_dir, tmp_path / "b", "/usr/local")
    assert (unitdir, sysusersdir, udevdir) == (
        "/usr/local/lib/systemd/system", "/usr/local/lib/sysusers.d",
        "/usr/local/lib/udev/rules.d")
    assert ("ExecStart=/usr/local/sbin/ipmi-agentx -c "
            "/usr/local/etc/ipmi-agentx/ipmi-agentx.yaml -f") in unit
    assert f"User={USER}" in unit


@pytest.mark.skipif(os.geteuid() != 0, reason="installs as root: needs root")
@pytest.mark.skipif(os.environ.get("IPMI_AGENTX_SANITIZE") in ("1", "ON", "true"),
                    reason="the sanitizer build does not change the install: the plain run tests it")
def test_root_install_makes_the_user(source_dir):
    package = debbuild.package(source_dir)  # its build: prefix /usr, built
    if package.build is None:
        pytest.skip("a given package (IPMI_AGENTX_PACKAGE_DEB): no build here")
    try:
        sb = Sandbox("ipmi-agentx-install").start()
    except SandboxUnavailable as exc:
        pytest.skip(f"no isolated root to install into ({exc})")
    try:
        sb.run(["dpkg", "-P", "ipmi-agentx"], check=False)  # this machine's, if any: gone here only
        res = sb.run(["sh", "-c", f'userdel {USER} 2>/dev/null; groupdel {USER} 2>/dev/null; '
                                  f'{cmake()} --install "$1"', "install", package.build],
                     check=False, env={k: v for k, v in os.environ.items() if k != "DESTDIR"})
        assert res.returncode == 0, res.stdout + res.stderr
        assert f"Creating the system user {USER}" in res.stdout, res.stdout
        passwd = sb.path("/etc/passwd").read_text()
        m = re.search(rf"^{USER}:x:(\d+):(\d+):", passwd, re.M)
        assert m, passwd
        uid, gid = int(m.group(1)), int(m.group(2))
        d = sb.path("/etc/ipmi-agentx").stat()
        f = sb.path("/etc/ipmi-agentx/ipmi-agentx.yaml").stat()
        assert (stat.S_IMODE(d.st_mode), d.st_uid, d.st_gid) == (0o750, 0, gid)
        assert (stat.S_IMODE(f.st_mode), f.st_uid, f.st_gid) == (0o600, uid, gid)
        # the service's user reads its configuration, with no capabilities
        res = sb.run(["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups",
                      "--inh-caps=-all", "--bounding-set=-all",
                      "/usr/sbin/ipmi-agentx", "--check-config"], check=False)
        assert res.returncode == 0, res.stdout + res.stderr
        unitdir = pkg_variable("systemd", "systemdsystemunitdir")
        for path in (f"{unitdir}/ipmi-agentx.service",
                     f"{pkg_variable('systemd', 'sysusersdir')}/ipmi-agentx.conf",
                     f"{unitdir.rsplit('/systemd/system', 1)[0]}/udev/rules.d/60-ipmi-agentx.rules"):
            assert sb.path(path).exists(), path
    finally:
        sb.stop()
