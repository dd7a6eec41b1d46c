"""KPI alerts: rules declared in cxlens.toml, fired only on what the data really shows."""

from cxlens.alerts.rules import Alert, Rule, check_alerts, load_rules

__all__ = ["Alert", "Rule", "check_alerts", "load_rules"]
