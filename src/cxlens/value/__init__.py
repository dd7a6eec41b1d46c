"""From experience to money: what an answer group is worth, and the revenue at risk.

* :mod:`cxlens.value.answers`: each respondent's answer, strata and follow-up, in the warehouse;
* :mod:`cxlens.value.worth`: outcomes per answer group and matched comparisons;
* :mod:`cxlens.value.risk`: revenue at risk of unhappy customers and open cases;
* :mod:`cxlens.value.report`: both from one CLV fit.
"""
