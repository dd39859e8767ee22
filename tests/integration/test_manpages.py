# SPDX-License-Identifier: GPL-3.0-or-later
"""The man pages tell the truth about the configuration.

- The EXAMPLE of ipmi-agentx.yaml(5), as a reader sees it (mandoc -Tascii),
  copied into a file is a configuration the agent accepts
  (--check-config), given the password file it names.
- Keys whose default only a commented-out example shows (a remote BMC's
  port, privilege, cipher suite) are shown as defaults, not as examples,
  with the agent's real default values.
- No fragment of an inline YAML comment leaks into the text.

(mandoc -Tlint and man --warnings are the man.lint test's: man/check-man.sh.)
Environment (from CMake's `integration` test): IPMI_AGENTX_BUILD_DIR (the
generated pages in man/), IPMI_AGENTX_BIN.
"""

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

# The agent's defaults (agent/core/config.c, bmc_set_defaults and the global
# ones), which the page must state as such.
DEFAULTS = {
    "bmcs[].port": "623",
    "bmcs[].privilege": "admin",
    "bmcs[].cipher_suite": "3",
    "bmcs[].driver": "inband",
    "bmcs[].timeout_ms": "2000",
    "bmcs[].channels": "auto",
    "bmcs[].password_user_id": "2",
    "agentx.socket": "/var/agentx/master",
    "agentx.timeout": "10",
    "agentx.ping_interval": "5",
    "refresh_interval": "30",
}


@pytest.fixture(scope="module")
def yaml5_text():
    build = os.environ.get("IPMI_AGENTX_BUILD_DIR")
    if not build:
        pytest.skip("IPMI_AGENTX_BUILD_DIR is not set (run the tests through ctest)")
    if shutil.which("mandoc") is None:
        pytest.fail("mandoc not installed (scripts/install-deps.sh installs it)")
    page = Path(build) / "man" / "ipmi-agentx.yaml.5"
    assert page.exists(), f"{page} not generated"
    res = subprocess.run(["mandoc", "-Tascii", "-Owidth=100", str(page)], capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, MANWIDTH="100"))
    assert res.returncode == 0, res.stderr
    # no overstrike (bold, underline): what a reader sees
    return re.sub(r".\x08", "", res.stdout)


def section(text, name):
    m = re.search(rf"^{name}\n(.*?)(?=^[A-Z][A-Z ]+\n)", text, re.M | re.S)
    assert m, f"no section {name}"
    return m.group(1)


def key_entry(text, key):
    """The paragraph(s) of one tagged key entry of KEYS."""
    keys = section(text, "KEYS")
    # a tagged entry (7 columns in), or a top-level key's subsection (3)
    m = (re.search(rf"^ {{7}}{re.escape(key)}\n(.*?)(?=^ {{3,7}}\S|\Z)", keys, re.M | re.S)
         or re.search(rf"^ {{3}}{re.escape(key)}\n(.*?)(?=^ {{3}}\S|\Z)", keys, re.M | re.S))
    assert m, f"no entry for {key}"
    return " ".join(m.group(1).split())


def test_example_passes_check_config(yaml5_text, agent_bin, tmpdir_short):
    body = section(yaml5_text, "EXAMPLE")
    # the code block: the lines after the introduction, indented deeper
    lines = body.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "agentx:")
    example = textwrap.dedent("\n".join(ln for ln in lines[start:])).strip() + "\n"
    assert "driver: inband" in example and "driver: lanplus" in example, example
    config = tmpdir_short / "ipmi-agentx.yaml"
    config.write_text(example)
    config.chmod(0o600)
    names = re.findall(r"password_file: (\S+)", example)
    assert names, example
    for name in names:
        pw = tmpdir_short / name
        pw.write_text("example-secret\n")
        pw.chmod(0o600)
    res = subprocess.run([agent_bin, "-c", str(config), "--check-config"], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, f"{res.stdout}{res.stderr}\n--- the EXAMPLE ---\n{example}"


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_defaults_shown_as_defaults(yaml5_text, key):
    entry = key_entry(yaml5_text, key)
    m = re.search(r"Default: (\S+?)\.(?:\s|$)", entry)
    assert m, f"{key}: no default stated: {entry}"
    assert m.group(1) == DEFAULTS[key], entry
    examples = re.search(r"Examples?: (.*?)\.(?:\s|$)", entry)
    assert not examples or DEFAULTS[key] not in examples.group(1).split(", "), entry


def test_no_comment_fragments(yaml5_text):
    for fragment in ("(here ", "either this", "... or this", "(default)", "(instead of"):
        assert fragment not in yaml5_text, fragment
    assert "SPDX" not in yaml5_text
