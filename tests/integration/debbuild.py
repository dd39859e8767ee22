# SPDX-License-Identifier: GPL-3.0-or-later
"""The Debian package under test, built once per test process.

`package()` configures a separate build with prefix /usr and
BUILD_TESTING=OFF, with an `npm` first on PATH that only records that it was
called, and runs `--target package` (CPack DEB): the daemon, its man pages
and the package must build offline from Debian build-dependencies. The build
is serialised by a lock file, so that two test runs on one machine do not
build into one directory at once.

IPMI_AGENTX_PACKAGE_DEB (and IPMI_AGENTX_PACKAGE_DDEB) name an already built
package instead; the test of the host's installation passes them to the
package tests it runs inside its sandbox.
"""

import fcntl
import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

PKG = "ipmi-agentx"
LOCK = "/tmp/ipmi-agentx-package-build.lock"


@dataclass
class Package:
    build: Path       # the build directory (None for a given package)
    deb: Path         # the package
    ddeb: Path        # its debug symbols (-dbgsym), or None
    npm_marker: Path  # exists if npm was called during the build


def run(*argv, check=True, timeout=600, **kw):
    res = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=timeout, **kw)
    if check and res.returncode != 0:
        pytest.fail(f"{' '.join(map(str, argv))} exited {res.returncode}\n"
                    f"{res.stdout}\n{res.stderr}")
    return res


def project_version(source_dir):
    text = (Path(source_dir) / "CMakeLists.txt").read_text()
    return re.search(r"project\(\S+\s+VERSION\s+([0-9.]+)", text).group(1)


@functools.lru_cache(maxsize=None)
def _build(source_dir, top, cmake):
    build = Path(top) / "package-test"
    fakebin = build / "fake-bin"
    marker = build / "npm-was-called"
    fakebin.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    npm = fakebin / "npm"
    npm.write_text(f'#!/bin/sh\necho "$0 $*" >>"{marker}"\nexit 1\n')
    npm.chmod(0o755)
    env = dict(os.environ, PATH=f"{fakebin}:{os.environ['PATH']}", npm_config_offline="true")
    for old in list(build.glob("*.deb")) + list(build.glob("*.ddeb")):
        old.unlink()
    run(cmake, "-S", source_dir, "-B", build, "-DCMAKE_INSTALL_PREFIX=/usr",
        "-DBUILD_TESTING=OFF", "-DCMAKE_BUILD_TYPE=RelWithDebInfo", env=env)
    run(cmake, "--build", build, f"-j{os.cpu_count() or 2}", env=env)
    run(cmake, "--build", build, "--target", "package", env=env)
    debs = list(build.glob(f"{PKG}_*.deb"))
    assert len(debs) == 1, debs
    ddebs = list(build.glob(f"{PKG}-dbgsym_*.ddeb"))
    assert len(ddebs) <= 1, ddebs
    return Package(build, debs[0], ddebs[0] if ddebs else None, marker)


def package(source_dir):
    """The package: the given one, or an offline build of source_dir."""
    given = os.environ.get("IPMI_AGENTX_PACKAGE_DEB")
    if given:
        ddeb = os.environ.get("IPMI_AGENTX_PACKAGE_DDEB")
        return Package(None, Path(given), Path(ddeb) if ddeb else None, None)
    top = os.environ.get("IPMI_AGENTX_BUILD_DIR")
    if not top:
        pytest.skip("IPMI_AGENTX_BUILD_DIR is not set (run the tests through ctest)")
    cmake = os.environ.get("CMAKE_COMMAND") or shutil.which("cmake")
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _build(str(source_dir), str(top), cmake)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
