"""Buy-till-you-die customer lifetime value models, in numpy and scipy.

* :class:`BGNBDModel` (Fader, Hardie & Lee 2005) and :class:`ParetoNBDModel`
  (Schmittlein, Morrison & Colombo 1987) for the number of future purchases;
* :class:`GammaGammaModel` for spend per purchase;
* :func:`customer_lifetime_value` combining the two;
* :func:`summary_from_transactions` and :func:`calibration_holdout_split` /
  :func:`holdout_report` for preparing data and checking forecasts.

Each model has ``fit(...) -> self``, fitted attributes ending in ``_``
(``params_``, ``standard_errors_``, ``covariance_``, ``log_likelihood_``,
``n_customers_``, ``converged_``), ``summary()`` and prediction methods on arrays.

Examples
--------
>>> model = BGNBDModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
>>> round(float(model.probability_alive(2, 30.43, 38.86)[0]), 3)
0.727
"""

from __future__ import annotations

from cxlens.clv.base import ClvDataError, ClvError, ModelNotFittedError, PurchaseModel
from cxlens.clv.bgnbd import BGNBDModel
from cxlens.clv.gammagamma import GammaGammaModel
from cxlens.clv.holdout import CalibrationHoldout, calibration_holdout_split, holdout_report
from cxlens.clv.paretonbd import ParetoNBDModel
from cxlens.clv.summaries import summary_from_transactions
from cxlens.clv.value import customer_lifetime_value, expected_monthly_purchases, month_length

__all__ = [
    "BGNBDModel",
    "CalibrationHoldout",
    "ClvDataError",
    "ClvError",
    "GammaGammaModel",
    "ModelNotFittedError",
    "ParetoNBDModel",
    "PurchaseModel",
    "calibration_holdout_split",
    "customer_lifetime_value",
    "expected_monthly_purchases",
    "holdout_report",
    "month_length",
    "summary_from_transactions",
]
