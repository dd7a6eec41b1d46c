"""Texts looked up by a key: the commands and the page of experience value, revenue at
risk, acquisition and the marketing mix, and the key drivers in money, name their texts
by key.

Each key's English text is a msgid of the gettext catalogs and is translated there
like every other text; :func:`text` is ``gettext`` of the key's text. New code writes
the English text where it is used instead (``gettext("...", lang)``).
"""

from __future__ import annotations

from typing import Any

from cxlens.i18n import N_, gettext

#: key -> the English text (a msgid of the catalogs)
KEYED: dict[str, str] = {
    "acquisition_curves_title": N_(
        "Cumulative revenue per acquired customer by month since acquisition"
    ),
    "acquisition_margin_title": N_(
        "Cumulative margin per acquired customer by month since acquisition, against each channel's CAC (dotted)"
    ),
    "acquisition_note": N_(
        "CAC: spend ÷ customers acquired in the same months (exact Poisson interval). Payback: the first month since acquisition whose margin on revenue covers the CAC. LTV over %(months)s months; predicted: revenue so far plus the predicted CLV of the rest."
    ),
    "acquisition_title": N_(
        "Acquisition by %(by)s (customers acquired from %(first)s to %(date)s, margin %(margin)s %%)"
    ),
    "affected": N_("Affected"),
    "all": N_("all"),
    "answer_kind": N_("Answers"),
    "at_risk_part": N_("Who"),
    "better": N_("Better when"),
    "by": N_("By"),
    "cac": N_("CAC"),
    "cac_line": N_("CAC of %(channel)s"),
    "campaign": N_("Campaign"),
    "carry_over": N_("Carry-over"),
    "channel": N_("Channel"),
    "clv": N_("CLV"),
    "clv_at_risk": N_("CLV at risk"),
    "clv_roas": N_("CLV-based ROAS"),
    "comparison": N_("Comparison"),
    "contribution": N_("Contribution"),
    "conversions": N_("Conversions"),
    "country": N_("Country"),
    "current_weekly": N_("Weekly spend now"),
    "customer": N_("Customer"),
    "customers": N_("Customers"),
    "direction": N_("Direction"),
    "driver": N_("Driver"),
    "drop_off": N_("Drop-off"),
    "error": N_("Error"),
    "from_previous": N_("From previous step"),
    "from_start": N_("From first step"),
    "group_detractor": N_("Detractors"),
    "group_difficult": N_("Difficult"),
    "group_dissatisfied": N_("Dissatisfied"),
    "group_easy": N_("Easy"),
    "group_neutral": N_("Neutral"),
    "group_passive": N_("Passives"),
    "group_promoter": N_("Promoters"),
    "group_satisfied": N_("Satisfied"),
    "half_saturation": N_("Half-saturation (weekly)"),
    "importance": N_("Share of explained"),
    "journeys": N_("Journeys"),
    "kind": N_("Kind"),
    "language": N_("Language"),
    "limits": N_("Limits"),
    "loss_per_quarter": N_("Lost a quarter"),
    "ltv_cac_age": N_("(%(months)s months)"),
    "ltv_cac_historical": N_("LTV:CAC so far"),
    "ltv_cac_predicted": N_("LTV:CAC predicted"),
    "margin_per_customer": N_("Margin per customer"),
    "marginal_return": N_("Marginal return now"),
    "matched_difference": N_("Difference within strata"),
    "matched_n": N_("Customers compared"),
    "method": N_("Method"),
    "mmm_budget_title": N_("Budget split of %(budget)s a week: expected change %(change)s a week"),
    "mmm_exported": N_("%(weeks)s weeks written to %(path)s."),
    "mmm_outcome_conversions": N_("conversions"),
    "mmm_outcome_customers": N_("new customers"),
    "mmm_outcome_revenue": N_("revenue"),
    "mmm_poor_fit": N_(
        "The model explains little of the weekly outcome (R² = %(r2)s); read its curves with care."
    ),
    "mmm_title": N_(
        "Marketing mix for weekly %(outcome)s (%(weeks)s weeks, %(parameters)s parameters, R² = %(r2)s, MAPE %(mape)s %%)"
    ),
    "model": N_("Model"),
    "money_drivers_note": N_(
        "Lost: what the poorly served would have bought with the experience the others had, by the regression's coefficient, scaled to a quarter; an association adjusted for the other drivers, not an experiment."
    ),
    "money_drivers_title": N_(
        "What drives %(target)s in the %(days)s days after an experience (%(customers)s customers, R² = %(r2)s)"
    ),
    "money_target_repurchase": N_("repurchase"),
    "money_target_revenue": N_("revenue"),
    "month": N_("month"),
    "moved_on": N_("Moved on"),
    "nps_gap": N_("NPS gap"),
    "null_paths": N_("%(paths)s customers with touches that led to no conversion (null paths)."),
    "outcome": N_("Outcome"),
    "outcome_bought_again": N_("Bought again in the follow-up"),
    "outcome_clv": N_("Predicted CLV"),
    "outcome_ended_after": N_("Contract ended in the follow-up"),
    "outcome_orders_after": N_("Orders per customer in the follow-up"),
    "outcome_p_alive": N_("P(still a customer)"),
    "outcome_revenue_after": N_("Revenue per customer in the follow-up"),
    "p_alive": N_("P(alive)"),
    "p_value": N_("p"),
    "payback_beyond": N_("after month %(months)s"),
    "payback_month": N_("Payback month"),
    "poor_customers": N_("Poorly served"),
    "rank": N_("Rank"),
    "ratio": N_("Ratio"),
    "raw_difference": N_("Raw difference"),
    "reason": N_("Reason"),
    "removal_effect": N_("Removal effect"),
    "return_per_spend": N_("Return per unit spent"),
    "revenue": N_("Revenue"),
    "revenue_loss_per_quarter": N_("Revenue lost a quarter"),
    "revenue_per_customer": N_("Revenue per customer"),
    "risk_all": N_("All at risk"),
    "risk_by": N_("Revenue at risk by %(dimension)s"),
    "risk_call_first": N_(
        "Call first (%(count)s customers at risk, the worst answers with the highest CLV first)"
    ),
    "risk_export": N_("Download the customers at risk (CSV)"),
    "risk_no_interval": N_(
        "A CLV model's fit stopped at a parameter bound, so totals have no interval from the model's parameters."
    ),
    "risk_no_theme": N_("By theme: run cxlens text analyse first."),
    "risk_open_case": N_("Open case"),
    "risk_overdue_case": N_("Overdue case"),
    "risk_title": N_(
        "Revenue at risk: predicted %(months)s-month CLV on %(date)s (all customers: %(total)s)"
    ),
    "risk_with_case": N_("With a case"),
    "risk_worst": N_("Worst answer"),
    "risk_written": N_("%(count)s customers at risk written to %(path)s."),
    "role": N_("Role"),
    "score": N_("Score"),
    "segment": N_("Segment"),
    "sessions": N_("Sessions"),
    "shape": N_("Shape"),
    "share": N_("Share"),
    "share_of_clv": N_("Share of all CLV"),
    "show_data": N_("Show the data"),
    "spend": N_("Spend"),
    "stage": N_("Stage"),
    "step": N_("Step"),
    "strata_count": N_("%(strata)s strata"),
    "suggested_weekly": N_("Suggested weekly spend"),
    "theme": N_("Theme"),
    "touchpoint": N_("Touchpoint"),
    "value": N_("Value"),
    "value_matched_note": N_(
        "The difference within strata weighs each stratum by both groups' customers in it and has a z test; the raw difference mixes loyalty in. (n.s.): not significant at 5%%."
    ),
    "value_matched_title": N_(
        "Groups compared among customers alike (same RFM segment and tenure at the answer)"
    ),
    "value_page_title": N_("What experience is worth"),
    "value_title": N_(
        "What %(kind)s groups did after answering (%(respondents)s customers answered by %(until)s, %(days)s-day follow-up)"
    ),
    "worth_chart_title": N_("Predicted CLV per customer by group, with 95%% intervals"),
}


def text(key: str, lang: str, /, **values: Any) -> str:
    """The text of ``key`` in ``lang``, placeholders filled."""
    return gettext(KEYED[key], lang, **values)
