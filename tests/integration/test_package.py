# SPDX-License-Identifier: GPL-3.0-or-later
"""The Debian package, end to end, in a sandbox: never on this machine.

Every install, removal and purge runs in a Sandbox (sandbox.py): a private
mount namespace whose /etc, /usr, /var ... are overlays on a tmpfs, with an
empty /run. A package and a configured /etc/ipmi-agentx on this machine are
left exactly as they were (test_package_host.py proves it); where the
sandbox cannot be had (not root, no overlayfs) the tests that install skip.

1. The build (debbuild.py): offline, from Debian build-dependencies.
2. The .deb: control fields, Depends (shared libraries, systemd-sysusers),
   a real Maintainer, the short conffile, maintainer scripts with DPKG_ROOT
   guards and no mask on removal, modes, the unit in pkg-config's unit
   directory, and the -dbgsym package with the binary's debug symbols;
   lintian --pedantic shows no E or W tag on either.
3. `dpkg -i`: exactly the expected files; the system user _ipmi-agentx
   (systemd-sysusers); the configuration readable by that user alone; the
   binary, run as that user without capabilities, checks it; the unit
   (systemd-analyze verify, security <= 2.0); the udev rule; the man pages;
   the MIB in Net-SNMP's default path.
4. The agent from the package runs as _ipmi-agentx, with no capabilities,
   only its own processes in /proc, and connects to an snmpd configured by
   the shipped snmpd.conf.d drop-in (agentXPerms), serving a BMC.
5. `dpkg -r` keeps only the conffile and masks nothing; a reinstallation is
   enabled again; `dpkg -P` leaves nothing but the system user.
6. DPKG_ROOT: `dpkg --root --force-script-chrootless` installs into and
   purges from another root and never touches the sandbox's own /etc.

Skipped in the sanitizer build (the package is built without sanitizers:
the plain run covers it) and when not root.
"""

import gzip
import os
import re
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest

import debbuild
from debbuild import PKG, project_version
from sandbox import Sandbox, SandboxUnavailable
from world import Master, Process, wait_for

USER = "_ipmi-agentx"
CONFIG = "/etc/ipmi-agentx/ipmi-agentx.yaml"
BINARY = "/usr/sbin/ipmi-agentx"
DOC = "/usr/share/doc/ipmi-agentx"
SECURITY_LIMIT = 2.0  # systemd-analyze security's exposure, at most


def pkg_config(variable, module="systemd"):
    res = subprocess.run(["pkg-config", f"--variable={variable}", module],
                         capture_output=True, text=True)
    return res.stdout.strip() if res.returncode == 0 else ""


UNITDIR = pkg_config("systemdsystemunitdir") or "/usr/lib/systemd/system"
SYSUSERSDIR = pkg_config("sysusersdir") or "/usr/lib/sysusers.d"
UDEVRULESDIR = (pkg_config("udevdir", "udev") + "/rules.d" if pkg_config("udevdir", "udev")
                else UNITDIR.rsplit("/systemd/system", 1)[0] + "/udev/rules.d")
UNIT = f"{UNITDIR}/ipmi-agentx.service"
FILES = {
    CONFIG,
    UNIT,
    f"{SYSUSERSDIR}/ipmi-agentx.conf",
    f"{UDEVRULESDIR}/60-ipmi-agentx.rules",
    BINARY,
    f"{DOC}/README.md",
    f"{DOC}/changelog.gz",
    f"{DOC}/copyright",
    f"{DOC}/examples/ipmi-agentx.yaml",
    f"{DOC}/examples/snmpd.conf.example",
    f"{DOC}/examples/snmpd.conf.d/ipmi-agentx.conf",
    "/usr/share/lintian/overrides/ipmi-agentx",
    "/usr/share/man/man5/ipmi-agentx.yaml.5.gz",
    "/usr/share/man/man8/ipmi-agentx.8.gz",
    "/usr/share/snmp/mibs/IPMI-CHANNEL-MIB.txt",
}
DIRS = {"/etc/ipmi-agentx", DOC, f"{DOC}/examples", f"{DOC}/examples/snmpd.conf.d"}
# What deb-systemd-helper makes for the unit (enablement, mask, state).
WANTS = "/etc/systemd/system/multi-user.target.wants/ipmi-agentx.service"
MASK = "/etc/systemd/system/ipmi-agentx.service"
SYSTEMD_TRACES = [
    WANTS, MASK,
    "/var/lib/systemd/deb-systemd-helper-enabled/ipmi-agentx.service.dsh-also",
    "/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/ipmi-agentx.service",
    "/var/lib/systemd/deb-systemd-helper-masked/ipmi-agentx.service",
]

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="installs a package: needs root"),
    pytest.mark.skipif(shutil.which("dpkg") is None, reason="not a Debian system"),
    pytest.mark.skipif(os.environ.get("IPMI_AGENTX_SANITIZE") in ("1", "ON", "true"),
                       reason="the sanitizer build does not change the package: "
                              "the plain run tests it"),
]


def run(*argv, check=True, timeout=300, **kw):
    return debbuild.run(*argv, check=check, timeout=timeout, **kw)


# --- fixtures ------------------------------------------------------------------


@pytest.fixture(scope="module")
def package(source_dir):
    return debbuild.package(source_dir)


@pytest.fixture(scope="module")
def deb(package):
    return package.deb


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox()
    try:
        sb.start()
    except SandboxUnavailable as exc:
        pytest.skip(f"no isolated root for dpkg ({exc}): installing here would change "
                    "this machine's installation")
    yield sb
    sb.stop()


class Inside:
    """Commands and files of the sandbox."""

    def __init__(self, sb):
        self.sb = sb

    def run(self, *argv, check=True, timeout=300, **kw):
        res = self.sb.run(list(argv), check=False, timeout=timeout, **kw)
        if check and res.returncode != 0:
            pytest.fail(f"(sandbox) {' '.join(map(str, argv))} exited {res.returncode}\n"
                        f"{res.stdout}\n{res.stderr}")
        return res

    def path(self, p):
        return self.sb.path(p)

    def lexists(self, p):
        return os.path.lexists(self.sb.path(p))

    def dpkg_status(self):
        res = self.run("dpkg-query", "-W", "-f=${Status}", PKG, check=False)
        return res.stdout.strip() if res.returncode == 0 and res.stdout.strip() else None

    def purge(self):
        if self.dpkg_status() is not None:
            self.run("dpkg", "-P", PKG, timeout=120)

    def install(self, deb):
        return self.run("dpkg", "-i", deb, timeout=120)

    def ids(self, name):
        """(uid, gid) of a user in the sandbox's passwd."""
        fields = self.run("getent", "passwd", name).stdout.strip().split(":")
        return int(fields[2]), int(fields[3])

    def gid(self, name):
        return int(self.run("getent", "group", name).stdout.strip().split(":")[2])

    def as_user(self, user, *argv, group=None, check=False):
        """argv as `user` (and `group`, default the user's name), its
        supplementary groups, no capabilities at all."""
        return self.run("setpriv", f"--reuid={user}", f"--regid={group or user}", "--init-groups",
                        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                        *argv, check=check)


@pytest.fixture(scope="module")
def inside(sandbox):
    return Inside(sandbox)


@pytest.fixture(scope="module")
def installed(inside, deb):
    """The package installed in the sandbox (purged there first if this
    machine has it: only the sandbox's copy of it goes)."""
    inside.purge()
    inside.install(deb)
    yield inside


# --- the package files -------------------------------------------------------------


def test_build_was_offline(package):
    if package.build is None:
        pytest.skip("a given package (IPMI_AGENTX_PACKAGE_DEB): not built here")
    build, marker = package.build, package.npm_marker
    assert not marker.exists(), f"npm was run: {marker.read_text()}"
    assert not (build / "std-mibs").exists()
    assert not (build / "CTestTestfile.cmake").exists() or \
        "add_test" not in (build / "CTestTestfile.cmake").read_text()


def control(deb, *names):
    return {n: run("dpkg-deb", "-f", deb, n).stdout.strip() for n in names}


def test_control_fields(deb, source_dir):
    fields = control(deb, "Package", "Version", "Architecture", "Depends", "Recommends",
                     "Section", "Priority", "Maintainer", "Description")
    arch = run("dpkg", "--print-architecture").stdout.strip()
    assert fields["Package"] == PKG
    assert fields["Version"] == project_version(source_dir)
    assert fields["Architecture"] == arch
    assert deb.name == f"{PKG}_{fields['Version']}_{arch}.deb"
    depends = fields["Depends"]
    # from dpkg-shlibdeps: the libraries the binary links
    for lib in ("libc6", "libsnmp40", "libfreeipmi17", "libyaml-0-2"):
        assert re.search(rf"(^|, ){lib}\b", depends), depends
    # what dh_installsysusers adds: the postinst runs systemd-sysusers
    assert "systemd | systemd-standalone-sysusers | systemd-sysusers" in depends
    assert "snmpd" in fields["Recommends"]
    assert fields["Section"] and fields["Priority"]
    assert len(fields["Description"].splitlines()) > 2  # synopsis and a long description
    # a name and an address, not a reserved placeholder domain
    m = re.fullmatch(r"(.+\S) <([^@>\s]+)@([^>\s]+)>", fields["Maintainer"])
    assert m, fields["Maintainer"]
    assert not re.search(r"(^|\.)(invalid|example|test)$", m.group(3)), fields["Maintainer"]
    assert "maintainers@ipmi-agentx.invalid" not in fields["Maintainer"]


def test_control_files(deb, tmp_path):
    run("dpkg-deb", "-e", deb, tmp_path / "DEBIAN")
    control_dir = tmp_path / "DEBIAN"
    assert (control_dir / "conffiles").read_text().split() == [CONFIG]
    scripts = {}
    for script in ("postinst", "prerm", "postrm"):
        path = control_dir / script
        assert path.stat().st_mode & 0o777 == 0o755, script
        run("sh", "-n", path)
        scripts[script] = path.read_text()
    assert "systemd-sysusers" in scripts["postinst"]
    assert "deb-systemd-helper" in scripts["postinst"]
    # no mask on removal (debhelper stopped doing it; it left a /dev/null link)
    assert not re.search(r"deb-systemd-helper\s+mask\b", scripts["postrm"])
    # nothing of the running system is touched when installing into $DPKG_ROOT
    for name, text in scripts.items():
        for line in text.splitlines():
            if re.search(r"/run/(systemd|udev)\b", line) and "[ -d" in line:
                assert 'DPKG_ROOT' in line, f"{name}: {line.strip()}"
    assert 'rm -rf "$DPKG_ROOT/etc/ipmi-agentx"' in scripts["postrm"]
    assert "${DPKG_ROOT:+--root=" in scripts["postinst"]


def test_data_modes(deb):
    listing = run("dpkg-deb", "-c", deb).stdout
    modes = {}
    for line in listing.splitlines():
        parts = line.split()
        modes[parts[-1].lstrip(".").rstrip("/")] = (parts[0], parts[1])
    assert modes["/etc/ipmi-agentx"] == ("drwxr-x---", "root/root")
    assert modes[CONFIG] == ("-rw-------", "root/root")
    assert modes[BINARY] == ("-rwxr-xr-x", "root/root")
    # the unit where pkg-config's systemd.pc says units go
    assert UNIT in modes, sorted(modes)


def test_short_conffile_and_annotated_reference(deb, tmp_path, source_dir):
    run("dpkg-deb", "-x", deb, tmp_path)
    conffile = (tmp_path / CONFIG.lstrip("/")).read_text()
    reference = (tmp_path / DOC.lstrip("/") / "examples" / "ipmi-agentx.yaml").read_text()
    assert reference == (Path(source_dir) / "conf" / "ipmi-agentx.yaml").read_text()
    # short: what an operator edits, so that upgrades rarely ask about it
    assert len(conffile.splitlines()) <= 40 and len(conffile) < 2000, len(conffile)
    assert len(conffile) < len(reference) / 3
    assert f"{DOC}/examples/ipmi-agentx.yaml" in conffile
    assert "name: local" in conffile and "driver: inband" in conffile


def build_id(elf):
    notes = run("readelf", "-n", "-W", elf).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", notes)
    assert m, notes
    return m.group(1)


def sections(elf):
    return set(re.findall(r"\]\s+(\.\S+)", run("readelf", "-S", "-W", elf).stdout))


def test_debug_symbols_package(package, tmp_path):
    """The binary is stripped; its debug information is a -dbgsym package
    with /usr/lib/debug/.build-id/XX/YYYY.debug, as dh_strip makes."""
    ddeb = package.ddeb
    assert ddeb is not None and ddeb.exists(), "no -dbgsym package was built"
    fields = control(ddeb, "Package", "Version", "Depends", "Section", "Build-Ids",
                     "Auto-Built-Package")
    version = control(package.deb, "Version")["Version"]
    assert fields["Package"] == f"{PKG}-dbgsym"
    assert fields["Version"] == version
    assert fields["Depends"] == f"{PKG} (= {version})"
    assert fields["Section"] == "debug"
    assert fields["Auto-Built-Package"] == "debug-symbols"
    run("dpkg-deb", "-x", package.deb, tmp_path / "deb")
    run("dpkg-deb", "-x", ddeb, tmp_path / "ddeb")
    binary = tmp_path / "deb" / BINARY.lstrip("/")
    bid = build_id(binary)
    assert fields["Build-Ids"] == bid
    debug = tmp_path / "ddeb" / "usr/lib/debug/.build-id" / bid[:2] / f"{bid[2:]}.debug"
    assert debug.exists(), list((tmp_path / "ddeb").rglob("*"))
    assert stat.S_IMODE(debug.stat().st_mode) == 0o644
    assert build_id(debug) == bid
    assert {".debug_info", ".debug_line"} <= sections(debug)
    assert ".debug_info" not in sections(binary) and ".symtab" not in sections(binary)
    doc = tmp_path / "ddeb" / "usr/share/doc" / f"{PKG}-dbgsym"
    assert doc.is_symlink() and os.readlink(doc) == PKG


def lintian_tags(*argv):
    # (not --show-overrides: lintian then fails on overridden tags too)
    res = run("lintian", "--pedantic", "--display-info", *argv,
              check=False, timeout=600)
    out = "\n".join(ln for ln in (res.stdout + res.stderr).splitlines()
                    if "root privileges" not in ln)
    return res, out


def test_lintian_pedantic(package):
    """No E or W tag at --pedantic, on the package and its -dbgsym."""
    if shutil.which("lintian") is None:
        pytest.fail("lintian not installed (scripts/install-deps.sh installs it)")
    res, out = lintian_tags("--fail-on", "error,warning", package.deb)
    assert res.returncode == 0, out
    assert not re.search(r"^[EW]: ", out, re.M), out
    # A -dbgsym package can carry no overrides of its own: the default
    # Maintainer's bogus-mail-host (overridden, and explained, in the main
    # package) is the only tag let through there.
    maintainer = control(package.deb, "Maintainer")["Maintainer"]
    suppress = ["--suppress-tags", "bogus-mail-host"] if maintainer.endswith("@localhost>") else []
    res, out = lintian_tags("--fail-on", "error,warning", *suppress, package.ddeb)
    assert res.returncode == 0, out
    assert not re.search(r"^[EW]: ", out, re.M), out


# --- installed -------------------------------------------------------------------


def test_installed_files(installed):
    assert installed.dpkg_status() == "install ok installed"
    listed = installed.run("dpkg", "-L", PKG).stdout.split("\n")
    listed = {p for p in listed if p and p != "/."}
    files = {p for p in listed if not installed.path(p).is_dir()}
    assert files == FILES
    assert DIRS <= listed
    for path in FILES:
        assert installed.path(path).exists(), path


def test_system_user(installed):
    fields = installed.run("getent", "passwd", USER).stdout.strip().split(":")
    name, _, uid, gid, _, home, shell = fields
    login_defs = installed.path("/etc/login.defs").read_text()
    sys_uid_max = int(re.search(r"^SYS_UID_MAX\s+(\d+)", login_defs, re.M).group(1)) \
        if re.search(r"^SYS_UID_MAX\s+(\d+)", login_defs, re.M) else 999
    assert 0 < int(uid) <= sys_uid_max, fields  # a system user, not root
    assert int(gid) == installed.gid(USER)  # its own group
    assert home == "/nonexistent" and shell.endswith("nologin"), fields
    # the sandbox's, not this machine's (unless this machine has the package)
    assert "_ipmi-agentx" in installed.path("/etc/passwd").read_text()


def test_config_readable_by_the_user_alone(installed):
    uid, gid = installed.ids(USER)
    d, f = installed.path("/etc/ipmi-agentx").stat(), installed.path(CONFIG).stat()
    assert (stat.S_IMODE(d.st_mode), d.st_uid, d.st_gid) == (0o750, 0, gid)
    assert (stat.S_IMODE(f.st_mode), f.st_uid, f.st_gid) == (0o600, uid, gid)
    # the agent, as its user without capabilities, reads and accepts it ...
    res = installed.as_user(USER, BINARY, "--check-config")
    assert res.returncode == 0, res.stdout + res.stderr
    assert CONFIG in res.stdout
    # ... and another unprivileged user cannot
    res = installed.as_user("nobody", "cat", CONFIG, group="nogroup")
    assert res.returncode != 0 and "Permission denied" in res.stderr, res


def test_installed_binary(installed, source_dir):
    res = installed.run(BINARY, "--version")
    assert res.stdout.strip() == f"ipmi-agentx {project_version(source_dir)}"
    res = installed.run(BINARY, "--check-config", "-c", CONFIG, check=False)
    assert res.returncode == 0, res.stderr
    assert CONFIG in installed.run(BINARY, "--help").stdout


def test_installed_binary_is_hardened(installed):
    binary = installed.path(BINARY)
    header = run("readelf", "-h", "-W", binary).stdout
    assert re.search(r"Type:\s+DYN", header), header  # PIE
    dyn = run("readelf", "-d", "-W", binary).stdout
    assert "BIND_NOW" in dyn or re.search(r"FLAGS_1.*\bNOW\b", dyn), dyn
    assert "GNU_RELRO" in run("readelf", "-l", "-W", binary).stdout
    symbols = run("readelf", "--dyn-syms", "-W", binary).stdout
    assert "__stack_chk_fail" in symbols
    assert re.search(r"__\w+_chk@", symbols), "no FORTIFY_SOURCE checked functions"


def unit_settings(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
    return out


def test_installed_unit(installed):
    text = installed.path(UNIT).read_text()
    s = unit_settings(text)
    assert s["ExecStart"] == [f"{BINARY} -c {CONFIG} -f"]
    assert s["User"] == [USER] and s["Group"] == [USER]
    assert s["CapabilityBoundingSet"] == [""] and s.get("AmbientCapabilities", [""]) == [""]
    assert "/usr/local" not in text
    env = dict(os.environ, SYSTEMD_LOG_COLOR="0")
    # the unit, the binary and the man pages all installed: verify resolves every one
    res = installed.run("systemd-analyze", "verify", UNIT, check=False, env=env)
    assert res.returncode == 0 and not (res.stdout + res.stderr).strip(), \
        res.stdout + res.stderr
    res = installed.run("systemd-analyze", "security", "--offline=true", "--no-pager", UNIT,
                        check=False, env=env)
    m = re.search(r"Overall exposure level for ipmi-agentx\.service: (\d+\.\d+)", res.stdout)
    assert m and float(m.group(1)) <= SECURITY_LIMIT, res.stdout + res.stderr
    # enabled the Debian way, also without a running systemd
    assert os.readlink(installed.path(WANTS)) == UNIT


def test_udev_rule(installed):
    rule = installed.path(f"{UDEVRULESDIR}/60-ipmi-agentx.rules").read_text()
    rules = [ln for ln in rule.splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(rules) == 1, rules
    keys = dict(re.findall(r'(\w+)(?:==|=)"([^"]*)"', rules[0]))
    assert keys == {"SUBSYSTEM": "ipmi", "KERNEL": "ipmi[0-9]*", "GROUP": USER,
                    "MODE": "0660"}, rules[0]
    installed.gid(USER)  # the group the rule names exists


def test_installed_man_pages(installed):
    for name, section in (("ipmi-agentx", "8"), ("ipmi-agentx.yaml", "5")):
        path = f"/usr/share/man/man{section}/{name}.{section}.gz"
        raw = installed.path(path).read_bytes()
        assert raw[:2] == b"\x1f\x8b"
        assert raw[3] & 0x08 == 0, "gzip header holds a file name (use gzip -n)"
        assert raw[4:8] == b"\0\0\0\0", "gzip header holds a time stamp (use gzip -n)"
        assert raw[8] == 2, "not gzip -9"
        assert gzip.decompress(raw).startswith(b".")
        res = installed.run("man", "-w", section, name,
                            env=dict(os.environ, MANPATH="/usr/share/man"))
        assert res.stdout.strip() == path


def test_mib_in_default_path(installed, tmp_path, source_dir):
    std = os.environ.get("IPMI_AGENTX_STD_MIBS")
    if not std:
        pytest.skip("IPMI_AGENTX_STD_MIBS is not set (run the tests through ctest)")
    assert not (Path(std) / "IPMI-CHANNEL-MIB.txt").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("MIBS", "MIBDIRS")}
    (tmp_path / "conf").mkdir()
    env.update(SNMPCONFPATH=str(tmp_path / "conf"), SNMP_PERSISTENT_DIR=str(tmp_path))
    # -M +DIR: the standard SNMPv2 MIBs after the default directories
    res = installed.run("snmptranslate", "-On", "-M", f"+{std}", "-m", "IPMI-CHANNEL-MIB",
                        "IPMI-CHANNEL-MIB::ipmiChannelVlanId", env=env, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    want = run("snmptranslate", "-On", "-M", f"{source_dir}/mibs:{std}", "-m",
               "IPMI-CHANNEL-MIB", "IPMI-CHANNEL-MIB::ipmiChannelVlanId", env=env)
    assert res.stdout.strip() == want.stdout.strip()
    assert res.stdout.startswith(".1.3.6.1.4.1.8072.9999.9999.623.")


def drop_in_lines(installed, socket):
    """The shipped snmpd.conf.d drop-in, for a master whose socket is `socket`."""
    text = installed.path(f"{DOC}/examples/snmpd.conf.d/ipmi-agentx.conf").read_text()
    out, n = re.subn(r"(?m)^agentXSocket .*$", f"agentXSocket {socket}", text)
    assert n == 1, text
    assert re.search(rf"(?m)^agentXPerms 0660 0755 Debian-snmp {USER}$", out), out
    assert re.search(r"(?m)^view systemonly included \.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.623$",
                     out), out
    return out


def test_agent_runs_unprivileged(installed, world):
    """The packaged agent as the unit runs it: user _ipmi-agentx, no
    capabilities, its own processes only in /proc (ProtectProc=invisible,
    ProcSubset=pid); snmpd with the shipped drop-in lets it in through
    agentXPerms; it reads a password file that only it can read."""
    sim = world.sim("alpha", channels=1)
    sockdir = world.dir / "agentx"  # made by snmpd, with agentXPerms' 0755
    master = Master(world)
    master.socket = sockdir / "master"
    master.conf.write_text(master.conf.read_text() + drop_in_lines(installed, master.socket))
    # snmpd in the sandbox too: it names the socket's group from its passwd
    master.proc.argv = installed.sb.argv(master.proc.argv, cwd=master.dir)
    world.dir.chmod(0o711)  # the agent must reach the socket below it
    master.proc.start()
    master.wait_ready()
    st = master.socket.stat()
    assert stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == installed.gid(USER), st

    conf_dir = "/etc/ipmi-agentx"
    config = f"{conf_dir}/unprivileged-test.yaml"
    installed.path(f"{conf_dir}/alpha.password").write_text("secret\n")
    installed.path(config).write_text(
        f"agentx:\n  socket: {master.socket}\n  ping_interval: 1\n"
        "refresh_interval: 2\n"
        "bmcs:\n"
        f"  - name: alpha\n    driver: lanplus\n    host: 127.0.0.1\n    port: {sim.port}\n"
        "    username: admin\n    password_file: alpha.password\n"
        "    workarounds: [opensesspriv]\n    timeout_ms: 1000\n")
    uid, gid = installed.ids(USER)
    for name in ("alpha.password", "unprivileged-test.yaml"):
        p = installed.path(f"{conf_dir}/{name}")
        os.chown(p, uid, gid)
        p.chmod(0o600)

    # setpriv as in the unit; a fresh /proc as ProtectProc=invisible and
    # ProcSubset=pid make it (the agent must not need /proc/sys, /proc/net ...)
    inner = ("mount -t proc -o hidepid=invisible,subset=pid proc /proc && "
             f"exec setpriv --reuid={USER} --regid={USER} --init-groups --inh-caps=-all "
             f"--bounding-set=-all --no-new-privs {BINARY} -c {config} -f")
    argv = installed.sb.argv(["unshare", "--pid", "--fork", "--kill-child", "--mount",
                              "--propagation", "private", "sh", "-c", inner])
    agent = Process("ipmi-agentx (unprivileged)", argv, world.dir / "agent-unprivileged.log")
    world.track(agent)
    agent.start()

    def served():
        if not agent.running():
            raise AssertionError(f"the agent exited {agent.returncode()}:\n{agent.log_tail()}")
        v = world.snmpget("IPMI-CHANNEL-MIB::ipmiBmcReachable.1", timeout=2)
        return not v.exception and v.value == 1

    wait_for(served, 30, "the unprivileged agent to serve alpha as reachable",
             on_fail=world.log_tails)
    # who it runs as
    pids = [p for p in os.listdir("/proc") if p.isdigit() and agent_process(p, config)]
    assert len(pids) == 1, pids
    status = Path(f"/proc/{pids[0]}/status").read_text()
    assert re.search(rf"^Uid:\s+{uid}\s+{uid}\s+{uid}\s+{uid}$", status, re.M), status
    assert re.search(rf"^Gid:\s+{gid}\s+{gid}\s+{gid}\s+{gid}$", status, re.M), status
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert re.search(rf"^{cap}:\s+0+$", status, re.M), status
    # a clean stop (unshare, its parent, only waits)
    os.kill(int(pids[0]), signal.SIGTERM)
    assert agent.wait(10) == 0, agent.log_tail()


def agent_process(pid, config):
    """Whether /proc/PID is the packaged agent run with `config`."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return cmdline[:1] == [BINARY.encode()] and config.encode() in cmdline


# --- remove, reinstall, purge ---------------------------------------------------------


def test_remove_keeps_only_the_conffile_and_masks_nothing(installed, deb):
    if installed.dpkg_status() != "install ok installed":
        installed.install(deb)
    installed.run("dpkg", "-r", PKG, timeout=120)
    assert installed.dpkg_status() == "deinstall ok config-files"
    left = sorted(p for p in FILES if installed.lexists(p))
    assert left == [CONFIG]
    # as with dh_installsystemd: the enablement stays until purge, and
    # nothing is masked (0.2 left /etc/systemd/system/ipmi-agentx.service ->
    # /dev/null behind)
    assert not installed.lexists(MASK)
    assert not installed.lexists(
        "/var/lib/systemd/deb-systemd-helper-masked/ipmi-agentx.service")
    # reinstalled: enabled again, the user and the configuration kept
    uid_before = installed.ids(USER)
    installed.install(deb)
    assert os.readlink(installed.path(WANTS)) == UNIT
    assert installed.ids(USER) == uid_before
    assert installed.path(CONFIG).stat().st_uid == uid_before[0]


def test_purge_leaves_nothing_but_the_user(installed, deb):
    if installed.dpkg_status() is None:
        installed.install(deb)
    installed.run("dpkg", "-P", PKG, timeout=120)
    assert installed.dpkg_status() is None
    assert installed.run("dpkg-query", "-W", PKG, check=False).returncode != 0
    assert not installed.lexists("/etc/ipmi-agentx")
    left = [p for p in FILES | DIRS if installed.lexists(p)]
    assert not left
    traces = [p for p in SYSTEMD_TRACES if installed.lexists(p)]
    assert not traces
    assert not list(installed.path("/var/lib/dpkg/info").glob(f"{PKG}.*"))
    # Debian never removes a system user: files may still be owned by it
    installed.ids(USER)


# --- DPKG_ROOT ---------------------------------------------------------------------


def test_dpkg_root(inside, deb, tmp_path):
    """dpkg --root with --force-script-chrootless runs the maintainer scripts
    outside the new root with DPKG_ROOT set: everything they do lands in
    that root, and the running system (here the sandbox's /) is untouched."""
    inside.purge()
    root = "/srv/dpkg-root"
    inside.run("sh", "-c", f"""set -e
        mkdir -p {root}/etc {root}/var/lib/dpkg/info {root}/var/lib/dpkg/updates
        : > {root}/var/lib/dpkg/status
        # a new root's own users: root and nobody, nothing of this machine's
        grep -E '^(root|nogroup|nobody):' /etc/group > {root}/etc/group
        grep -E '^(root|nobody):' /etc/passwd > {root}/etc/passwd
        touch {root}/etc/shadow {root}/etc/gshadow
        chmod 0640 {root}/etc/shadow {root}/etc/gshadow
        """)
    passwd_before = inside.path("/etc/passwd").read_text()
    upper_before = inside.sb.upper_state()
    args = ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends"]
    res = inside.run(*args, "-i", deb, timeout=120)
    assert "ipmi-agentx" in res.stdout
    # the user, the files and their owners: in the new root
    new_passwd = inside.path(f"{root}/etc/passwd").read_text()
    m = re.search(rf"^{USER}:x:(\d+):(\d+):", new_passwd, re.M)
    assert m, new_passwd
    uid, gid = int(m.group(1)), int(m.group(2))
    st = inside.path(f"{root}{CONFIG}").stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (uid, gid, 0o600)
    st = inside.path(f"{root}/etc/ipmi-agentx").stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, gid, 0o750)
    assert os.readlink(inside.path(f"{root}{WANTS}")) == UNIT
    # nothing outside it
    assert inside.path("/etc/passwd").read_text() == passwd_before
    assert not inside.lexists("/etc/ipmi-agentx") and not inside.lexists(WANTS)
    # a purge in the new root leaves the sandbox's own configuration alone
    inside.run("mkdir", "-p", "/etc/ipmi-agentx")
    inside.path("/etc/ipmi-agentx/keep").write_text("the running system's\n")
    inside.run(*args, "-P", PKG, timeout=120)
    assert not inside.lexists(f"{root}/etc/ipmi-agentx")
    assert inside.path("/etc/ipmi-agentx/keep").read_text() == "the running system's\n"
    inside.run("rm", "-rf", "/etc/ipmi-agentx", root)
    after = inside.sb.upper_state()
    changed = {p for p in set(upper_before) | set(after)
               if upper_before.get(p) != after.get(p)
               and not p.startswith("./srv")
               and not p.startswith("./var/log/") and p not in ("./etc", "./var")}
    assert not changed, sorted(changed)
