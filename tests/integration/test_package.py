"""The Debian package, end to end, on this machine (root; CI's is thrown away).

1. A separate build with prefix /usr and BUILD_TESTING=OFF, with an `npm`
   first on PATH that only records that it was called: the daemon, its man
   pages and the package build offline from Debian build-dependencies.
2. `cmake --build --target package` (CPack DEB): its control fields, Depends
   from dpkg-shlibdeps, the conffile, the maintainer scripts; lintian when
   installed.
3. `dpkg -i`: exactly the expected files, modes of /etc/ipmi-agentx (0700)
   and its config (0600), the installed binary's --version and
   --check-config (also with no -c: the default path), the unit
   (systemd-analyze verify) and its enablement, the man pages, and the MIB
   found by `snmptranslate` in Net-SNMP's default MIB path.
4. `dpkg -r` keeps only the conffile; `dpkg -P` leaves nothing behind.

A package left installed by an earlier run is purged first; the package is
purged at the end whatever happened. Runs under a lock, so that two test
runs on one machine do not install and purge under each other. Skipped in
the sanitizer build (the package is built without sanitizers: the plain
run covers it) and when not root.
"""

import fcntl
import gzip
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

PKG = "ipmi-agentx"
CONFIG = Path("/etc/ipmi-agentx/ipmi-agentx.yaml")
UNIT = Path("/lib/systemd/system/ipmi-agentx.service")
FILES = {
    "/etc/ipmi-agentx/ipmi-agentx.yaml",
    "/lib/systemd/system/ipmi-agentx.service",
    "/usr/sbin/ipmi-agentx",
    "/usr/share/doc/ipmi-agentx/README.md",
    "/usr/share/doc/ipmi-agentx/changelog.gz",
    "/usr/share/doc/ipmi-agentx/copyright",
    "/usr/share/doc/ipmi-agentx/examples/ipmi-agentx.yaml",
    "/usr/share/doc/ipmi-agentx/examples/snmpd.conf.example",
    "/usr/share/lintian/overrides/ipmi-agentx",
    "/usr/share/man/man5/ipmi-agentx.yaml.5.gz",
    "/usr/share/man/man8/ipmi-agentx.8.gz",
    "/usr/share/snmp/mibs/IPMI-CHANNEL-MIB.txt",
}
DIRS = {"/etc/ipmi-agentx", "/usr/share/doc/ipmi-agentx",
        "/usr/share/doc/ipmi-agentx/examples"}
# What deb-systemd-helper makes for the unit (enablement, mask, state).
SYSTEMD_TRACES = [
    Path("/etc/systemd/system/multi-user.target.wants/ipmi-agentx.service"),
    Path("/etc/systemd/system/ipmi-agentx.service"),
    Path("/var/lib/systemd/deb-systemd-helper-enabled/ipmi-agentx.service.dsh-also"),
    Path("/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/"
         "ipmi-agentx.service"),
    Path("/var/lib/systemd/deb-systemd-helper-masked/ipmi-agentx.service"),
]
LOCK = "/tmp/ipmi-agentx-package-test.lock"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="installs a package: needs root"),
    pytest.mark.skipif(shutil.which("dpkg") is None, reason="not a Debian system"),
    pytest.mark.skipif(os.environ.get("IPMI_AGENTX_SANITIZE") in ("1", "ON", "true"),
                       reason="the sanitizer build does not change the package: "
                              "the plain run tests it"),
]


def run(*argv, check=True, timeout=300, **kw):
    res = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=timeout, **kw)
    if check and res.returncode != 0:
        pytest.fail(f"{' '.join(map(str, argv))} exited {res.returncode}\n"
                    f"{res.stdout}\n{res.stderr}")
    return res


def project_version(source_dir):
    text = (Path(source_dir) / "CMakeLists.txt").read_text()
    return re.search(r"project\(\S+\s+VERSION\s+([0-9.]+)", text).group(1)


def dpkg_status():
    """dpkg's status of the package, e.g. "install ok installed", or None."""
    res = run("dpkg-query", "-W", "-f=${Status}", PKG, check=False)
    return res.stdout.strip() if res.returncode == 0 and res.stdout.strip() else None


def purge():
    if dpkg_status() is not None:
        run("dpkg", "-P", PKG, timeout=120)


def install(deb):
    run("dpkg", "-i", deb, timeout=120)


@pytest.fixture(scope="module")
def machine_lock():
    with open(LOCK, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def package_build(machine_lock, source_dir):
    """(build dir, .deb, npm marker) of an offline build with prefix /usr."""
    top = os.environ.get("IPMI_AGENTX_BUILD_DIR")
    if not top:
        pytest.skip("IPMI_AGENTX_BUILD_DIR is not set (run the tests through ctest)")
    cmake = os.environ.get("CMAKE_COMMAND") or shutil.which("cmake")
    build = Path(top) / "package-test"
    fakebin = build / "fake-bin"
    marker = build / "npm-was-called"
    fakebin.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    npm = fakebin / "npm"
    npm.write_text(f'#!/bin/sh\necho "$0 $*" >>"{marker}"\nexit 1\n')
    npm.chmod(0o755)
    env = dict(os.environ, PATH=f"{fakebin}:{os.environ['PATH']}",
               npm_config_offline="true")
    for old in build.glob("*.deb"):
        old.unlink()
    run(cmake, "-S", source_dir, "-B", build, "-DCMAKE_INSTALL_PREFIX=/usr",
        "-DBUILD_TESTING=OFF", "-DCMAKE_BUILD_TYPE=RelWithDebInfo", env=env)
    run(cmake, "--build", build, f"-j{os.cpu_count() or 2}", env=env)
    run(cmake, "--build", build, "--target", "package", env=env)
    debs = list(build.glob(f"{PKG}_*.deb"))
    assert len(debs) == 1, debs
    return build, debs[0], marker


@pytest.fixture(scope="module")
def deb(package_build):
    return package_build[1]


@pytest.fixture(scope="module")
def installed(deb):
    """The package installed (purged first if an earlier run left it)."""
    purge()
    install(deb)
    try:
        yield deb
    finally:
        purge()


def test_build_was_offline(package_build):
    build, _, marker = package_build
    assert not marker.exists(), f"npm was run: {marker.read_text()}"
    assert not (build / "std-mibs").exists()
    assert not (build / "CTestTestfile.cmake").exists() or \
        "add_test" not in (build / "CTestTestfile.cmake").read_text()


def test_control_fields(deb, source_dir):
    fields = {}
    for name in ("Package", "Version", "Architecture", "Depends", "Recommends",
                 "Section", "Priority", "Maintainer", "Description"):
        fields[name] = run("dpkg-deb", "-f", deb, name).stdout.strip()
    arch = run("dpkg", "--print-architecture").stdout.strip()
    assert fields["Package"] == PKG
    assert fields["Version"] == project_version(source_dir)
    assert fields["Architecture"] == arch
    assert deb.name == f"{PKG}_{fields['Version']}_{arch}.deb"
    depends = fields["Depends"]
    # from dpkg-shlibdeps: the libraries the binary links
    for lib in ("libc6", "libsnmp40", "libfreeipmi17", "libyaml-0-2"):
        assert re.search(rf"(^|, ){lib}\b", depends), depends
    assert "snmpd" in fields["Recommends"]
    assert fields["Section"] and fields["Priority"] and "@" in fields["Maintainer"]
    assert len(fields["Description"].splitlines()) > 2  # synopsis and a long description


def test_control_files(deb, tmp_path):
    run("dpkg-deb", "-e", deb, tmp_path / "DEBIAN")
    control = tmp_path / "DEBIAN"
    assert (control / "conffiles").read_text().split() == [str(CONFIG)]
    for script in ("postinst", "prerm", "postrm"):
        path = control / script
        assert path.stat().st_mode & 0o777 == 0o755, script
        run("sh", "-n", path)
    postinst = (control / "postinst").read_text()
    assert "deb-systemd-helper" in postinst and "/run/systemd/system" in postinst
    assert "rm -rf /etc/ipmi-agentx" in (control / "postrm").read_text()


def test_data_modes(deb):
    listing = run("dpkg-deb", "-c", deb).stdout
    modes = {}
    for line in listing.splitlines():
        parts = line.split()
        modes[parts[-1].lstrip(".").rstrip("/")] = (parts[0], parts[1])
    assert modes["/etc/ipmi-agentx"] == ("drwx------", "root/root")
    assert modes["/etc/ipmi-agentx/ipmi-agentx.yaml"] == ("-rw-------", "root/root")
    assert modes["/usr/sbin/ipmi-agentx"] == ("-rwxr-xr-x", "root/root")


def test_lintian(deb):
    lintian = shutil.which("lintian")
    if lintian is None:
        pytest.skip("lintian not installed")
    res = run(lintian, "--fail-on", "error,warning", deb, check=False, timeout=300)
    out = "\n".join(ln for ln in (res.stdout + res.stderr).splitlines()
                    if "root privileges" not in ln)
    assert res.returncode == 0, out
    assert not re.search(r"^[EW]: ", out, re.M), out


def test_installed_files(installed):
    assert dpkg_status() == "install ok installed"
    listed = run("dpkg", "-L", PKG).stdout.split("\n")
    listed = {p for p in listed if p and p != "/."}
    files = {p for p in listed if not os.path.isdir(p)}
    assert files == FILES
    assert DIRS <= listed
    for path in FILES:
        assert os.path.exists(path), path


def test_config_modes(installed):
    d, f = os.stat(CONFIG.parent), os.stat(CONFIG)
    assert stat.S_IMODE(d.st_mode) == 0o700 and d.st_uid == 0
    assert stat.S_IMODE(f.st_mode) == 0o600 and f.st_uid == 0


def test_config_is_the_example(installed, source_dir):
    shipped = (Path(source_dir) / "conf" / "ipmi-agentx.yaml").read_text()
    assert CONFIG.read_text() == shipped
    assert Path("/usr/share/doc/ipmi-agentx/examples/ipmi-agentx.yaml").read_text() == shipped


def test_installed_binary(installed, source_dir):
    binary = "/usr/sbin/ipmi-agentx"
    res = run(binary, "--version")
    assert res.stdout.strip() == f"ipmi-agentx {project_version(source_dir)}"
    res = run(binary, "--check-config", "-c", CONFIG, check=False)
    assert res.returncode == 0, res.stderr
    # no -c: the default path is /etc's
    res = run(binary, "--check-config", check=False)
    assert res.returncode == 0, res.stderr
    assert str(CONFIG) in res.stdout
    assert str(CONFIG) in run(binary, "--help").stdout


def test_installed_binary_is_hardened(installed):
    binary = "/usr/sbin/ipmi-agentx"
    header = run("readelf", "-h", "-W", binary).stdout
    assert re.search(r"Type:\s+DYN", header), header  # PIE
    dyn = run("readelf", "-d", "-W", binary).stdout
    assert "BIND_NOW" in dyn or re.search(r"FLAGS_1.*\bNOW\b", dyn), dyn
    segments = run("readelf", "-l", "-W", binary).stdout
    assert "GNU_RELRO" in segments
    symbols = run("readelf", "--dyn-syms", "-W", binary).stdout
    assert "__stack_chk_fail" in symbols
    assert re.search(r"__\w+_chk@", symbols), "no FORTIFY_SOURCE checked functions"


def test_installed_unit(installed):
    text = UNIT.read_text()
    assert "ExecStart=/usr/sbin/ipmi-agentx -c /etc/ipmi-agentx/ipmi-agentx.yaml -f" in text
    assert "/usr/local" not in text
    if shutil.which("systemd-analyze"):
        res = run("systemd-analyze", "verify", UNIT, check=False,
                  env=dict(os.environ, SYSTEMD_LOG_COLOR="0"))
        assert res.returncode == 0 and not (res.stdout + res.stderr).strip(), \
            res.stdout + res.stderr
    if shutil.which("deb-systemd-helper"):
        # enabled the Debian way, also without a running systemd
        wants = SYSTEMD_TRACES[0]
        assert wants.is_symlink() and os.readlink(wants) == str(UNIT)


def test_installed_man_pages(installed):
    for name, section in (("ipmi-agentx", "8"), ("ipmi-agentx.yaml", "5")):
        path = Path(f"/usr/share/man/man{section}/{name}.{section}.gz")
        raw = path.read_bytes()
        assert raw[:2] == b"\x1f\x8b"
        assert raw[3] & 0x08 == 0, "gzip header holds a file name (use gzip -n)"
        assert raw[4:8] == b"\0\0\0\0", "gzip header holds a time stamp (use gzip -n)"
        assert raw[8] == 2, "not gzip -9"
        assert gzip.decompress(raw).startswith(b".")
        res = run("man", "-w", section, name, env=dict(os.environ, MANPATH="/usr/share/man"))
        assert res.stdout.strip() == str(path)


def test_mib_in_default_path(installed, tmp_path, source_dir):
    std = os.environ.get("IPMI_AGENTX_STD_MIBS")
    if not std:
        pytest.skip("IPMI_AGENTX_STD_MIBS is not set (run the tests through ctest)")
    assert not (Path(std) / "IPMI-CHANNEL-MIB.txt").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("MIBS", "MIBDIRS")}
    (tmp_path / "conf").mkdir()
    env.update(SNMPCONFPATH=str(tmp_path / "conf"), SNMP_PERSISTENT_DIR=str(tmp_path))
    # -M +DIR: the standard SNMPv2 MIBs after the default directories
    res = run("snmptranslate", "-M", f"+{std}", "-m", "IPMI-CHANNEL-MIB",
              "IPMI-CHANNEL-MIB::ipmiChannelVlanId", env=env, check=False)
    assert res.returncode == 0 and res.stdout.strip() == "IPMI-CHANNEL-MIB::ipmiChannelVlanId", \
        res.stdout + res.stderr
    res = run("snmptranslate", "-On", "-M", f"+{std}", "-m", "IPMI-CHANNEL-MIB",
              "IPMI-CHANNEL-MIB::ipmiChannelVlanId", env=env)
    # the installed module is the source's
    want = run("snmptranslate", "-On", "-M", f"{source_dir}/mibs:{std}", "-m",
               "IPMI-CHANNEL-MIB", "IPMI-CHANNEL-MIB::ipmiChannelVlanId", env=env)
    assert res.stdout.strip() == want.stdout.strip()
    assert res.stdout.startswith(".1.3.6.1.4.1.8072.9999.9999.623.")


def test_remove_keeps_only_the_conffile(installed):
    run("dpkg", "-r", PKG, timeout=120)
    assert dpkg_status() == "deinstall ok config-files"
    left = sorted(p for p in FILES if os.path.lexists(p))
    assert left == [str(CONFIG)]
    # as with dh_installsystemd, the enablement stays until purge


def test_purge_leaves_nothing(installed):
    if dpkg_status() is None:
        install(installed)
    run("dpkg", "-P", PKG, timeout=120)
    assert dpkg_status() is None
    assert run("dpkg-query", "-W", PKG, check=False).returncode != 0
    assert not CONFIG.parent.exists()
    left = [p for p in FILES | DIRS if os.path.lexists(p)]
    assert not left
    traces = [str(p) for p in SYSTEMD_TRACES if os.path.lexists(p)]
    assert not traces
    assert not list(Path("/var/lib/dpkg/info").glob(f"{PKG}.*"))
