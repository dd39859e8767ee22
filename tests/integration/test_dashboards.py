# SPDX-License-Identifier: GPL-3.0-or-later
"""dashboards/: the snmp_exporter module, the Grafana dashboard, the alert rules.

- snmp.yml is what Debian's prometheus-snmp-generator (snmp_exporter 0.21)
  makes of generator.yml and IPMI-CHANNEL-MIB, byte for byte, so it cannot go
  stale when the MIB or generator.yml change (dashboards/snmp_exporter/
  generate.sh is run exactly as a maintainer runs it);
- the module's metrics are the MIB's readable columns and scalars, with the
  BMC name and channel number as labels, TruthValues as state sets, and
  ipmiBmcPassword never exported;
- Debian's prometheus-snmp-exporter with the shipped snmp.yml scrapes a real
  world (ipmi_sim, snmpd, the agent): the values are the BMC's, a VLAN change
  made with ipmitool shows after the agent's next refresh, and no password
  appears in the scrape;
- the Grafana dashboard is well-formed JSON whose every query (panels and
  template variables) names only metrics of snmp.yml and labels they carry,
  parses as PromQL (promtool) and returns data from a real Prometheus that
  scrapes the exporter with the scrape configuration of dashboards/README.md;
- the example alert rules pass `promtool check rules` and their unit tests
  (test_alerts.py sees them fire and resolve against a live agent).

Every tool comes from Debian (scripts/install-deps.sh installs them): a
missing one fails the test, none is skipped.
"""

import difflib
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from world import READY_TIMEOUT, Process, WorldError, free_port, mac_bytes, wait_for

MODULE = "ipmi_agentx"
CONFIG_PASSWORD = "secret"  # the sims' admin password, in the agent's configuration

# What the module must export: every readable column and scalar of
# IPMI-CHANNEL-MIB but the name (a label) and the password (never).
BMC_METRICS = {
    "ipmiBmcReachable", "ipmiBmcManufacturerId", "ipmiBmcFirmwareVersion",
    "ipmiBmcIpmiVersion", "ipmiBmcLastRefresh", "ipmiBmcLastError",
    "ipmiBmcPasswordUserId", "ipmiBmcIdentify", "ipmiBmcIdentifyForce",
    "ipmiBmcRefreshes", "ipmiBmcRefreshFailures", "ipmiBmcSetsApplied",
    "ipmiBmcSetsFailed", "ipmiBmcAgentAddress", "ipmiBmcAgentPort",
}
CHANNEL_METRICS = {
    "ipmiChannelMacAddress", "ipmiChannelDhcp", "ipmiChannelIpAddress",
    "ipmiChannelNetmask", "ipmiChannelGateway", "ipmiChannelVlanId",
    "ipmiChannelVlanPriority", "ipmiChannelManageUrl", "ipmiChannelCarriesAgent",
}
AGENT_METRICS = {"ipmiAgentVersion", "ipmiAgentUptime", "ipmiAgentRefreshesLate"}
STATE_SETS = {"ipmiBmcReachable", "ipmiBmcIdentifyForce", "ipmiChannelDhcp",
              "ipmiChannelCarriesAgent"}
COUNTERS = {"ipmiBmcRefreshes", "ipmiBmcRefreshFailures", "ipmiBmcSetsApplied",
            "ipmiBmcSetsFailed", "ipmiAgentRefreshesLate"}
# snmp_exporter types whose value is a label named after the metric.
LABEL_VALUED = {"DisplayString", "PhysAddress48", "InetAddressIPv4", "OctetString",
                "EnumAsStateSet", "EnumAsInfo"}
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"instance", "job"}
# Series of the scrape itself rather than of the module: `up` tells a failed
# scrape, and with the agent's own series it tells an agent that is gone.
SCRAPE_METRICS = {"up"}


PACKAGE_OF = {"prometheus-snmp-exporter": "prometheus-snmp-exporter",
              "prometheus-snmp-generator": "prometheus-snmp-exporter",
              "promtool": "prometheus", "prometheus": "prometheus"}


def tool(name):
    """The path of a Debian tool; the test fails (never skips) without it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install Debian's {PACKAGE_OF[name]} "
                    "(scripts/install-deps.sh does)")
    return path


@pytest.fixture(scope="module")
def dash(source_dir):
    return Path(source_dir) / "dashboards"


@pytest.fixture(scope="module")
def snmp_yml(dash):
    return yaml.safe_load((dash / "snmp_exporter" / "snmp.yml").read_text())


@pytest.fixture(scope="module")
def module_metrics(snmp_yml):
    """{metric name: its snmp.yml entry} of the ipmi_agentx module."""
    return {m["name"]: m for m in snmp_yml[MODULE]["metrics"]}


@pytest.fixture(scope="module")
def dashboard(dash):
    return json.loads((dash / "grafana" / "ipmi-agentx.json").read_text())


def std_mibs_dir(mibdirs):
    for d in mibdirs.split(":"):
        if (Path(d) / "SNMPv2-SMI.txt").exists():
            return d
    pytest.fail(f"no SNMPv2-SMI.txt in IPMI_AGENTX_MIBDIRS={mibdirs}")


# --- snmp.yml ----------------------------------------------------------------


def test_snmp_yml_is_what_the_generator_makes(dash, mibdirs, tmpdir_short):
    """generate.sh with Debian's generator reproduces the shipped snmp.yml.

    Nothing is normalised: the 0.21 generator's output holds no time, host
    or path (its one comment line is constant, metrics are sorted by OID).
    """
    tool("prometheus-snmp-generator")
    out = tmpdir_short / "snmp.yml"
    res = subprocess.run([dash / "snmp_exporter" / "generate.sh", out],
                         env={**os.environ, "STD_MIBS_DIR": std_mibs_dir(mibdirs),
                              "TMPDIR": str(tmpdir_short)},
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f"generate.sh failed:\n{res.stdout}{res.stderr}"
    generated = out.read_text()
    shipped = (dash / "snmp_exporter" / "snmp.yml").read_text()
    if generated != shipped:
        diff = "".join(difflib.unified_diff(
            shipped.splitlines(True), generated.splitlines(True),
            "dashboards/snmp_exporter/snmp.yml (shipped)", "generated"))
        version = subprocess.run(["dpkg-query", "-W", "prometheus-snmp-exporter"],
                                 capture_output=True, text=True).stdout.strip()
        pytest.fail("snmp.yml is stale: run dashboards/snmp_exporter/generate.sh "
                    f"and commit the result (generator: {version or 'not from Debian'})\n{diff}")


def test_snmp_yml_module(module_metrics, snmp_yml):
    module = snmp_yml[MODULE]
    assert module["version"] == 2
    assert module["auth"] == {"community": "public"}
    assert set(module_metrics) == BMC_METRICS | CHANNEL_METRICS | AGENT_METRICS
    assert "ipmiBmcPassword" not in module_metrics
    assert not any(m["oid"] == "1.3.6.1.4.1.8072.9999.9999.623.1.1.1.10"
                   for m in module_metrics.values()), "the password column is exported"
    for name in STATE_SETS:
        assert module_metrics[name]["type"] == "EnumAsStateSet", name
        assert module_metrics[name]["enum_values"] == {1: "true", 2: "false"}, name
    for name in COUNTERS:
        assert module_metrics[name]["type"] == "counter", name
    assert module_metrics["ipmiChannelMacAddress"]["type"] == "PhysAddress48"
    for name in ("ipmiChannelIpAddress", "ipmiChannelNetmask", "ipmiChannelGateway"):
        assert module_metrics[name]["type"] == "InetAddressIPv4", name
    # every row of both tables is labelled with the BMC's name, not its index
    for name in BMC_METRICS | CHANNEL_METRICS:
        assert labels_of(module_metrics[name]) == (
            {"ipmiBmcName", "ipmiChannelNumber"} if name in CHANNEL_METRICS
            else {"ipmiBmcName"}), name
    for name in AGENT_METRICS:
        assert labels_of(module_metrics[name]) == set(), name


def labels_of(metric):
    """The index and lookup labels a metric of snmp.yml carries (without its
    own value label)."""
    labels = {i["labelname"] for i in metric.get("indexes", [])}
    for lookup in metric.get("lookups", []):
        if lookup.get("oid"):
            labels.add(lookup["labelname"])
        else:
            labels.discard(lookup["labelname"])  # drop_source_indexes
    return labels


def allowed_labels(metric):
    own = {metric["name"]} if metric["type"] in LABEL_VALUED else set()
    return labels_of(metric) | own | TARGET_LABELS


# --- PromQL of the dashboard and the rules -----------------------------------

PROMQL_FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg", "avg_over_time", "bottomk", "ceil",
    "changes", "clamp", "clamp_max", "clamp_min", "count", "count_over_time",
    "count_values", "delta", "deriv", "floor", "group", "histogram_quantile",
    "idelta", "increase", "irate", "label_join", "label_replace", "last_over_time",
    "max", "max_over_time", "min", "min_over_time", "quantile", "rate", "resets",
    "round", "scalar", "sort", "sort_desc", "stddev", "sum", "sum_over_time",
    "time", "timestamp", "topk", "vector",
}
PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on",
                   "ignoring", "group_left", "group_right", "inf", "nan"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^}]*)\}")
MATCHER = re.compile(r"""\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?""")
IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def substitute_grafana(expr):
    """Grafana's variables as a query would see them with every value chosen."""
    expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m")
    return re.sub(r"\$\{?(instance|bmc)\}?", ".+", expr)


def promql_names(expr):
    """(metric names, {metric or None: label names}) of a PromQL expression.

    Label names of a selector's matchers are filed under its metric (None for
    a selector without one); those of by/without/on/ignoring/group_left/
    group_right under None. A word that is neither a metric, a function nor a
    keyword fails the assertion (a misspelt function would otherwise count as
    a metric)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string contents out
    labels = {None: set()}
    for m in GROUPING.finditer(text):
        labels[None] |= {x.strip() for x in m.group(2).split(",") if x.strip()}
    text = GROUPING.sub(" ", text)
    metrics = set()
    for m in SELECTOR.finditer(text):
        name, body = m.group(1), m.group(2)
        used = {mm.group(1) for mm in MATCHER.finditer(body)}
        assert MATCHER.sub("", body).strip() == "", f"odd matchers {body!r} in {expr!r}"
        labels.setdefault(name, set()).update(used)
        if name is not None:
            metrics.add(name)
    text = SELECTOR.sub(lambda m: f" {m.group(1) or ''} ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range and subquery durations
    text = re.sub(r"(?<![A-Za-z0-9_:])\d+(\.\d+)?", " ", text)  # numbers
    for m in IDENT.finditer(text):
        word = m.group(0)
        if word.lower() in PROMQL_KEYWORDS:  # also "or (...)", "unless (...)"
            continue
        if text[m.end():].lstrip().startswith("("):
            assert word in PROMQL_FUNCTIONS, f"unknown function {word} in {expr!r}"
        else:
            metrics.add(word)
    return metrics, labels


def check_expr(expr, module_metrics, extra_metrics=()):
    """Every metric of expr is in snmp.yml and every label it uses is one
    that some metric of the expression carries."""
    metrics, labels = promql_names(expr)
    unknown = metrics - set(module_metrics) - set(extra_metrics)
    assert not unknown, f"{expr!r} names metrics that snmp.yml lacks: {sorted(unknown)}"
    assert metrics, f"{expr!r} names no metric"
    known = set(TARGET_LABELS)
    for name in metrics & set(module_metrics):
        known |= allowed_labels(module_metrics[name])
    for name, used in labels.items():
        allowed = (allowed_labels(module_metrics[name]) if name in module_metrics
                   else known)
        bad = used - allowed
        assert not bad, f"{expr!r}: labels {sorted(bad)} are not on {name or 'its metrics'}"
    return metrics


def dashboard_panels(dashboard):
    for p in dashboard["panels"]:
        yield p
        yield from p.get("panels", [])


def dashboard_exprs(dashboard):
    """(where, PromQL) of every panel target and template variable query."""
    out = []
    for p in dashboard_panels(dashboard):
        for t in p.get("targets", []):
            out.append((f"panel {p['title']!r} target {t['refId']}", t["expr"]))
    for v in dashboard["templating"]["list"]:
        if v["type"] != "query":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", q)
        assert m, f"variable {v['name']}: not a label_values() query: {q!r}"
        out.append((f"variable {v['name']}", f"max by ({m.group(2)}) ({m.group(1)})"))
    return out


def test_dashboard_structure(dashboard):
    assert dashboard["uid"] == "ipmi-agentx"
    assert dashboard["title"]
    assert isinstance(dashboard["schemaVersion"], int)
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    bmc = variables["bmc"]
    assert bmc["type"] == "query"
    assert re.search(r",\s*ipmiBmcName\s*\)$", bmc["query"]), bmc["query"]
    ds = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
    for v in variables.values():
        if v["type"] == "query":
            assert v["datasource"] == ds, v["name"]

    ids, cells = set(), []
    for p in dashboard_panels(dashboard):
        assert p["id"] not in ids, f"duplicate panel id {p['id']}"
        ids.add(p["id"])
        g = p["gridPos"]
        assert 0 <= g["x"] and g["w"] > 0 and g["x"] + g["w"] <= 24, p["title"]
        cells.append((p["title"], g))
        if p["type"] == "row":
            continue
        assert p["datasource"] == ds, p["title"]
        assert p["targets"], f"panel {p['title']!r} has no query"
        refs = [t["refId"] for t in p["targets"]]
        assert len(set(refs)) == len(refs), p["title"]
        for t in p["targets"]:
            assert t["datasource"] == ds, p["title"]
            assert '$bmc' in t["expr"] or "ipmiAgent" in t["expr"], \
                f"panel {p['title']!r} ignores the bmc variable: {t['expr']}"
    for i, (a, ga) in enumerate(cells):
        for b, gb in cells[i + 1:]:
            overlap = (ga["x"] < gb["x"] + gb["w"] and gb["x"] < ga["x"] + ga["w"]
                       and ga["y"] < gb["y"] + gb["h"] and gb["y"] < ga["y"] + ga["h"])
            assert not overlap, f"panels {a!r} and {b!r} overlap"


def test_dashboard_queries_name_only_snmp_yml_metrics(dashboard, module_metrics):
    used = set()
    for where, expr in dashboard_exprs(dashboard):
        try:
            used |= check_expr(expr, module_metrics, extra_metrics=SCRAPE_METRICS)
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}") from None
    # what the dashboard is for
    assert {"ipmiBmcReachable", "ipmiBmcLastRefresh", "ipmiBmcRefreshFailures",
            "ipmiBmcSetsFailed", "ipmiBmcSetsApplied"} <= used
    exprs = " ".join(e for _, e in dashboard_exprs(dashboard))
    for counter in ("ipmiBmcRefreshFailures", "ipmiBmcSetsFailed", "ipmiBmcSetsApplied"):
        assert re.search(rf"rate\({counter}\{{", exprs), counter
    assert re.search(r"rate\(ipmiAgentRefreshesLate\{", exprs), "no panel for late refreshes"
    table = next(p for p in dashboard_panels(dashboard)
                 if p["type"] == "table" and p["title"] == "LAN channels")
    in_table = set()
    for t in table["targets"]:
        in_table |= promql_names(t["expr"])[0]
        assert t["format"] == "table" and t["instant"], t["refId"]
    assert {"ipmiChannelDhcp", "ipmiChannelIpAddress", "ipmiChannelNetmask",
            "ipmiChannelGateway", "ipmiChannelVlanId", "ipmiChannelVlanPriority",
            "ipmiChannelMacAddress"} <= in_table


def test_the_expression_checker_catches_mistakes(module_metrics):
    """The checks above are not vacuous."""
    check_expr('rate(ipmiBmcSetsFailed{ipmiBmcName=~".+"}[5m])', module_metrics)
    for bad in ('ipmiBmcPassword{ipmiBmcName="a"}',
                'rate(ipmiBmcSetFailures[5m])',
                'ipmiChannelVlanId{ipmiBmcIndex="1"}',
                'max by (ipmiChannelNumber) (ipmiBmcRefreshes)',
                'ipmiBmcReachable{ipmiChannelDhcp="true"}'):
        with pytest.raises(AssertionError):
            check_expr(bad, module_metrics)


def promtool_check_exprs(exprs, tmpdir):
    """Every expression parses as PromQL: promtool checks them as recording
    rules."""
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:expr{i}", "expr": e} for i, e in enumerate(exprs)]}]}
    path = Path(tmpdir) / "dashboard-exprs.yml"
    path.write_text(yaml.safe_dump(rules))
    res = subprocess.run([tool("promtool"), "check", "rules", path],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, f"promtool check rules:\n{res.stdout}{res.stderr}"


def test_dashboard_queries_parse(dashboard, tmpdir_short):
    exprs = [substitute_grafana(e) for _, e in dashboard_exprs(dashboard)]
    promtool_check_exprs(exprs, tmpdir_short)


def test_alert_rules(dash, module_metrics):
    promtool = tool("promtool")
    rules_dir = dash / "prometheus"
    for argv in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        res = subprocess.run([promtool, *argv], cwd=rules_dir, capture_output=True,
                             text=True, timeout=60)
        assert res.returncode == 0, f"promtool {' '.join(argv)}:\n{res.stdout}{res.stderr}"
    rules = yaml.safe_load((rules_dir / "alerts.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    for e in exprs:
        check_expr(e, module_metrics, extra_metrics=SCRAPE_METRICS)
    joined = " ".join(exprs)
    assert "rate(ipmiBmcRefreshFailures[5m]) > 0" in joined
    assert 'ipmiBmcReachable{ipmiBmcReachable="true"} == 0' in joined
    # an agent gone while snmpd answers: up stays 1, the agent's scalar goes
    assert re.search(r'up\{job="ipmi-agentx"\} == 1 unless on \(job, instance\) ipmiAgentUptime',
                     joined), joined


def test_readme_says_what_fires_when(dash):
    """dashboards/README.md's alert table is alerts.yml: every rule, its
    severity, its `for` and its expression, and nothing else."""
    rules = {r["alert"]: r for g in yaml.safe_load((dash / "prometheus" / "alerts.yml")
                                                   .read_text())["groups"] for r in g["rules"]}
    text = (dash / "README.md").read_text()
    rows = re.findall(r"^\| `(Ipmi\w+)` \((\w+)\) \| [^|]+ \| ([^|]+) \| `([^`]+)` \|$", text, re.M)
    assert sorted(r[0] for r in rows) == sorted(rules), (rows, sorted(rules))
    for name, severity, for_, expr in rows:
        rule = rules[name]
        assert severity == rule["labels"]["severity"], name
        assert for_.strip() == rule.get("for", "—"), name
        assert " ".join(expr.split()) == " ".join(rule["expr"].split()), name


# --- the exporter against a live world ----------------------------------------


def parse_exposition(text):
    """[(name, {label: value}, float)] of Prometheus' text format."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$", line)
        assert m, f"unparsable exposition line {line!r}"
        labels = {}
        for lm in re.finditer(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""):
            labels[lm.group(1)] = re.sub(r'\\(.)', lambda x: {"n": "\n"}.get(x.group(1), x.group(1)),
                                         lm.group(2))
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def http_get(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


class Exporter:
    """Debian's prometheus-snmp-exporter on a free loopback port."""

    def __init__(self, world, config):
        self.port = free_port()
        self.dir = world.dir / "snmp_exporter"
        self.dir.mkdir()
        self.proc = Process("snmp_exporter", [
            tool("prometheus-snmp-exporter"), f"--config.file={config}",
            f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=debug"],
            self.dir / "snmp_exporter.log", cwd=self.dir)
        world.track(self.proc)

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        self.proc.start()

        def ready():
            if not self.proc.running():
                raise WorldError(f"snmp_exporter exited with {self.proc.returncode()}")
            return http_get(f"http://{self.address}/", timeout=2)[0] == 200

        wait_for(ready, READY_TIMEOUT, "snmp_exporter to answer",
                 on_fail=lambda: self.proc.log_tail())
        return self

    def scrape(self, target, module=MODULE):
        query = urllib.parse.urlencode({"target": target, "module": module})
        status, body = http_get(f"http://{self.address}/snmp?{query}")
        assert status == 200, body
        return body


def one(samples, name, **labels):
    found = [v for n, ls, v in samples
             if n == name and all(ls.get(k) == str(x) for k, x in labels.items())]
    assert len(found) == 1, f"{name}{labels}: {len(found)} samples"
    return found[0]


def secret_forms(secret):
    octets = secret.encode()
    return [secret, octets.hex(), octets.hex().upper(),
            " ".join(f"{b:02x}" for b in octets), ":".join(f"{b:02x}" for b in octets)]


@pytest.fixture
def exporter_world(aworld, dash):
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    agent = aworld.start_agent([alpha])
    agent.wait_synced()
    exporter = Exporter(aworld, dash / "snmp_exporter" / "snmp.yml").start()
    yield aworld, alpha, agent, exporter
    # stopped by pid, and it must go on SIGTERM
    assert exporter.proc.stop(timeout=5) is not None
    assert not exporter.proc.running()


def test_exporter_scrapes_the_agent(exporter_world, module_metrics):
    w, alpha, agent, exporter = exporter_world
    target = w.master.address
    body = exporter.scrape(target)
    samples = parse_exposition(body)
    ours = [(n, ls, v) for n, ls, v in samples if not n.startswith("snmp_")]
    names = {n for n, _, _ in ours}
    # all the module's metrics are served, and nothing else
    assert names == set(module_metrics), sorted(names ^ set(module_metrics))
    for n, ls, _ in ours:
        assert set(ls) <= allowed_labels(module_metrics[n]) - TARGET_LABELS, (n, ls)
        assert set(ls) >= labels_of(module_metrics[n]), (n, ls)
    # no password: neither the column nor the configured login password
    assert "ipmiBmcPassword" not in names
    assert not any("ipmiBmcPassword" in ls for _, ls, _ in ours)
    for form in secret_forms(CONFIG_PASSWORD):
        assert form not in body, f"the BMC password appears in the scrape as {form!r}"

    # the values are the BMC's
    for ch in alpha.channels:
        lan = alpha.lan_print(ch)
        vlan = lan["802.1q VLAN ID"]
        assert one(ours, "ipmiChannelVlanId", ipmiBmcName="alpha", ipmiChannelNumber=ch) == \
            (0 if vlan == "Disabled" else int(vlan))
        assert one(ours, "ipmiChannelVlanPriority", ipmiBmcName="alpha",
                   ipmiChannelNumber=ch) == int(lan["802.1q VLAN Priority"])
        assert one(ours, "ipmiChannelIpAddress", ipmiBmcName="alpha", ipmiChannelNumber=ch,
                   ipmiChannelIpAddress=lan["IP Address"]) == 1
        assert one(ours, "ipmiChannelNetmask", ipmiBmcName="alpha", ipmiChannelNumber=ch,
                   ipmiChannelNetmask=lan["Subnet Mask"]) == 1
        assert one(ours, "ipmiChannelGateway", ipmiBmcName="alpha", ipmiChannelNumber=ch,
                   ipmiChannelGateway=lan["Default Gateway IP"]) == 1
        mac = [ls["ipmiChannelMacAddress"] for n, ls, _ in ours
               if n == "ipmiChannelMacAddress" and ls["ipmiChannelNumber"] == str(ch)]
        assert len(mac) == 1 and mac_bytes(mac[0]) == mac_bytes(lan["MAC Address"])
        dhcp = lan["IP Address Source"] == "DHCP Address"
        assert one(ours, "ipmiChannelDhcp", ipmiBmcName="alpha", ipmiChannelNumber=ch,
                   ipmiChannelDhcp="true") == (1 if dhcp else 0)
        assert one(ours, "ipmiChannelDhcp", ipmiBmcName="alpha", ipmiChannelNumber=ch,
                   ipmiChannelDhcp="false") == (0 if dhcp else 1)
    assert one(ours, "ipmiBmcReachable", ipmiBmcName="alpha", ipmiBmcReachable="true") == 1
    assert one(ours, "ipmiBmcReachable", ipmiBmcName="alpha", ipmiBmcReachable="false") == 0
    assert one(ours, "ipmiBmcLastError", ipmiBmcName="alpha", ipmiBmcLastError="") == 1
    assert 0 <= one(ours, "ipmiBmcLastRefresh", ipmiBmcName="alpha") <= agent.refresh_interval + 2
    assert one(ours, "ipmiBmcPasswordUserId", ipmiBmcName="alpha") == 2
    assert one(ours, "ipmiAgentUptime") > 0
    assert [ls["ipmiAgentVersion"] for n, ls, _ in ours if n == "ipmiAgentVersion"] != [""]
    refreshes = one(ours, "ipmiBmcRefreshes", ipmiBmcName="alpha")
    assert refreshes >= 1
    assert "# TYPE ipmiBmcRefreshes counter" in body

    # an agent that does not answer fails the scrape (Prometheus' up is then 0,
    # which the IpmiAgentDown alert relies on)
    with pytest.raises(urllib.error.HTTPError) as failed:
        exporter.scrape(f"127.0.0.1:{free_port()}")
    assert failed.value.code == 500

    # a change made at the BMC with another tool shows after the next refresh
    vlan_id = 3000 + int(time.time()) % 1000
    alpha.ipmitool("lan", "set", 1, "vlan", "id", vlan_id)

    # A scrape is several walks, not one snapshot: the refresh that brings
    # the VLAN may land between the BMC table's walk and the channel table's,
    # so wait for a scrape that saw both the VLAN and the refresh count.
    def changed():
        s = parse_exposition(exporter.scrape(target))
        return s if one(s, "ipmiChannelVlanId", ipmiBmcName="alpha",
                        ipmiChannelNumber=1) == vlan_id and \
            one(s, "ipmiBmcRefreshes", ipmiBmcName="alpha") > refreshes else None

    after = w.wait_for(changed, 5 * agent.refresh_interval + 5, f"VLAN {vlan_id} in the scrape")
    vlan2 = alpha.lan_print(2)["802.1q VLAN ID"]
    assert one(after, "ipmiChannelVlanId", ipmiBmcName="alpha", ipmiChannelNumber=2) == \
        (0 if vlan2 == "Disabled" else int(vlan2))
    assert one(after, "ipmiBmcRefreshFailures", ipmiBmcName="alpha") >= 0


# --- Prometheus with the README's scrape configuration ---------------------------


def readme_scrape_config(dash):
    """The scrape_configs entry of dashboards/README.md for job ipmi-agentx."""
    text = (dash / "README.md").read_text()
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        doc = yaml.safe_load(block)
        if isinstance(doc, dict) and "scrape_configs" in doc:
            for job in doc["scrape_configs"]:
                if job.get("job_name") == "ipmi-agentx":
                    return job
    pytest.fail("dashboards/README.md has no scrape_configs block for job ipmi-agentx")


class PrometheusServer:
    def __init__(self, world, config, rule_files=()):
        self.port = free_port()
        self.dir = world.dir / "prometheus"
        self.dir.mkdir()
        conf = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(f) for f in rule_files],
                "scrape_configs": [config]}
        self.conf = self.dir / "prometheus.yml"
        self.conf.write_text(yaml.safe_dump(conf))
        self.proc = Process("prometheus", [
            tool("prometheus"), f"--config.file={self.conf}",
            f"--storage.tsdb.path={self.dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}"],
            self.dir / "prometheus.log", cwd=self.dir)
        world.track(self.proc)

    def start(self):
        self.proc.start()

        def ready():
            if not self.proc.running():
                raise WorldError(f"prometheus exited with {self.proc.returncode()}")
            return http_get(f"http://127.0.0.1:{self.port}/-/ready", timeout=2)[0] == 200

        wait_for(ready, READY_TIMEOUT, "prometheus to be ready",
                 on_fail=lambda: self.proc.log_tail())
        return self

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
        status, body = http_get(url)
        reply = json.loads(body)
        assert status == 200 and reply["status"] == "success", body
        return reply["data"]

    def query(self, expr):
        return self.api("query", query=expr)["result"]


def test_dashboard_queries_return_data(exporter_world, dash, dashboard, module_metrics):
    """A real Prometheus scrapes the exporter with the README's scrape
    configuration; every dashboard query returns the rows it is meant to."""
    w, alpha, agent, exporter = exporter_world
    job = readme_scrape_config(dash)
    assert job["metrics_path"] == "/snmp" and job["params"]["module"] == [MODULE]
    job["static_configs"] = [{"targets": [w.master.address]}]
    for rule in job["relabel_configs"]:
        if rule.get("target_label") == "__address__":
            rule["replacement"] = exporter.address
    job["scrape_interval"] = "2s"  # (room for a slow sanitizer build)
    job["scrape_timeout"] = "2s"
    prom = PrometheusServer(w, job, [dash / "prometheus" / "alerts.yml"]).start()

    def scraped():
        # rate() needs two samples of the counters in its window
        series = prom.query("ipmiBmcRefreshes[1m]")
        return series and len(series[0]["values"]) >= 3

    w.wait_for(scraped, 30, "prometheus to scrape the exporter 3 times")
    up = prom.query('up{job="ipmi-agentx"}')
    assert [(r["metric"]["instance"], r["value"][1]) for r in up] == [(w.master.address, "1")]

    for where, expr in dashboard_exprs(dashboard):
        expr = substitute_grafana(expr)
        if where.startswith("variable"):
            continue
        title = re.match(r"panel '(.*)' target", where).group(1)
        result = prom.query(expr)
        if title == "Last error":  # lists failing BMCs only
            # (a refresh that timed out on a loaded machine would list alpha)
            assert all(r["metric"]["ipmiBmcLastError"] for r in result), (where, result)
            continue
        if title == "No longer served":  # BMCs gone: none while all is well
            assert result == [], (where, result)
            continue
        if title == "Agent attached":
            assert [(r["metric"], r["value"][1]) for r in result] == \
                [({"instance": w.master.address}, "1")], (where, result)
        assert result, f"{where}: no data for {expr}"
        for r in result:
            assert r["metric"]["instance"] == w.master.address, (where, r)
            if "ipmiBmc" in expr or "ipmiChannel" in expr:
                assert r["metric"]["ipmiBmcName"] == "alpha", (where, r)
        if "ipmiChannel" in expr:  # one row per channel
            assert sorted(r["metric"]["ipmiChannelNumber"] for r in result) == ["1", "2"], where
    # the template variables
    assert prom.api("label/instance/values", **{"match[]": "ipmiAgentUptime"}) == [w.master.address]
    assert prom.api("label/ipmiBmcName/values",
                    **{"match[]": f'ipmiBmcLastRefresh{{instance=~"{w.master.address}"}}'}) == ["alpha"]
    # the alerting rules evaluate without error on the real metrics, and
    # none fires for a healthy BMC (all but IpmiBmcSetFailed wait minutes)
    def evaluated():
        rules = [r for g in prom.api("rules")["groups"] for r in g["rules"]]
        return rules if all(r["health"] != "unknown" for r in rules) else None

    rules = w.wait_for(evaluated, 10, "prometheus to evaluate the alerting rules")
    assert sorted(r["name"] for r in rules) == [
        "IpmiAgentDown", "IpmiAgentRefreshesLate", "IpmiAgentUnreachable",
        "IpmiBmcRefreshFailures", "IpmiBmcSetFailed", "IpmiBmcUnreachable", "IpmiBmcVanished"]
    assert all(r["health"] == "ok" for r in rules), rules
    firing = [a for a in prom.api("alerts")["alerts"] if a["state"] == "firing"]
    assert firing == [], firing
    assert prom.proc.stop(timeout=10) is not None
