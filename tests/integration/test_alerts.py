# SPDX-License-Identifier: GPL-3.0-or-later
"""The agent alerts of dashboards/prometheus/alerts.yml fire and resolve
against the real thing.

A simulated BMC, snmpd and the agent; Debian's snmp_exporter with the shipped
snmp.yml; Debian's Prometheus with the scrape configuration of
dashboards/README.md and the shipped rules, their expressions untouched and
only their `for:` shortened from minutes to seconds.

- Stopping the agent while snmpd keeps answering: snmp_exporter still
  answers 200 (so Prometheus' `up` stays 1) with no ipmi* series at all.
  IpmiAgentDown fires, and IpmiBmcVanished names the BMC whose series went
  (IpmiBmcUnreachable, which needs those series, cannot); IpmiAgentUnreachable
  does not. Starting the agent again resolves both.
- Stopping snmpd: the scrape fails, `up` is 0, IpmiAgentUnreachable fires
  (and not IpmiAgentDown, whose case is "snmpd answers").

Every tool comes from Debian (scripts/install-deps.sh installs them).
"""

import re

import pytest
import yaml

from test_dashboards import (MODULE, Exporter, PrometheusServer, parse_exposition,
                             readme_scrape_config)

FOR = "2s"  # instead of the rules' minutes


@pytest.fixture
def fast_rules(aworld, source_dir):
    """alerts.yml with every `for:` shortened; expressions unchanged."""
    rules = yaml.safe_load((source_dir / "dashboards" / "prometheus" / "alerts.yml").read_text())
    n = 0
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = FOR
                n += 1
    assert n >= 3
    path = aworld.dir / "alerts-fast.yml"
    path.write_text(yaml.safe_dump(rules))
    return path


def firing(prom):
    """{(alertname, ipmiBmcName or None)} of the alerts firing now."""
    return {(a["labels"]["alertname"], a["labels"].get("ipmiBmcName"))
            for a in prom.api("alerts")["alerts"] if a["state"] == "firing"}


def test_agent_alerts_fire_and_resolve(aworld, source_dir, fast_rules):
    w = aworld
    dash = source_dir / "dashboards"
    alpha = w.sim("alpha", channels=1)
    agent = w.start_agent([alpha])
    agent.wait_synced()
    exporter = Exporter(w, dash / "snmp_exporter" / "snmp.yml").start()
    job = readme_scrape_config(dash)
    job["static_configs"] = [{"targets": [w.master.address]}]
    for rule in job["relabel_configs"]:
        if rule.get("target_label") == "__address__":
            rule["replacement"] = exporter.address
    job["scrape_interval"] = "1s"
    job["scrape_timeout"] = "1s"
    prom = PrometheusServer(w, job, [fast_rules]).start()
    target = w.master.address

    def show():
        return f"firing: {firing(prom)}\nup: {prom.query('up')}"

    def healthy():
        rules = [r for g in prom.api("rules")["groups"] for r in g["rules"]]
        return (rules and all(r["health"] == "ok" for r in rules)
                and prom.query("ipmiAgentUptime") and not firing(prom))

    w.wait_for(healthy, 30, "a healthy scrape with every rule evaluated and none firing")

    # the agent goes; snmpd stays
    agent.stop()
    samples = parse_exposition(exporter.scrape(target, MODULE))  # HTTP 200 all the same
    assert not [n for n, _, _ in samples if n.startswith("ipmi")], samples
    pdus = [v for n, _, v in samples if n == "snmp_scrape_pdus_returned"]
    assert pdus, samples

    def agent_down():
        f = firing(prom)
        return f if {("IpmiAgentDown", None), ("IpmiBmcVanished", "alpha")} <= f else None

    f = w.wait_for(agent_down, 30, "IpmiAgentDown and IpmiBmcVanished to fire")
    assert ("IpmiAgentUnreachable", None) not in f, show()
    assert [r["value"][1] for r in prom.query('up{job="ipmi-agentx"}')] == ["1"], show()
    alert = next(a for a in prom.api("alerts")["alerts"]
                 if a["labels"]["alertname"] == "IpmiAgentDown")
    assert alert["labels"]["instance"] == target
    assert re.search(r"not attached to snmpd on " + re.escape(target),
                     alert["annotations"]["summary"]), alert

    # the agent comes back: both resolve
    agent.start()
    agent.wait_synced()
    w.wait_for(lambda: not firing(prom), 30, "the alerts to resolve")

    # snmpd goes: the scrape fails
    w.master.stop()

    def unreachable():
        f = firing(prom)
        return f if ("IpmiAgentUnreachable", None) in f else None

    f = w.wait_for(unreachable, 40, "IpmiAgentUnreachable to fire")
    assert ("IpmiAgentDown", None) not in f, show()
    assert prom.proc.stop(timeout=10) is not None
    assert exporter.proc.stop(timeout=5) is not None
