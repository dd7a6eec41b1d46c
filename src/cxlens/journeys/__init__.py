"""Journey analytics on the warehouse: journey map, funnels, paths, attribution and key drivers."""

from cxlens.i18n import NP_

#: attribution models: the heuristic ones, then the data-driven ones
HEURISTIC = ("first", "last", "linear", "position", "time-decay")
MODELS = (*HEURISTIC, "markov", "shapley")

#: the journey map's stage for touchpoints that only surveys name
SURVEY_ONLY = "(surveys)"

#: the name of each driver (``key`` in the results), filled with its touchpoint
DRIVER_NAMES = {
    "driver_csat": NP_("driver", "CSAT: %(touchpoint)s"),
    "driver_ces": NP_("driver", "CES: %(touchpoint)s"),
    "driver_tickets": NP_("driver", "Number of tickets"),
    "driver_ttr": NP_("driver", "Time to resolution"),
    "driver_reopened": NP_("driver", "Reopened ticket"),
    "driver_country": NP_("driver", "Country"),
    "driver_language": NP_("driver", "Language"),
    "driver_acquisition_channel": NP_("driver", "Acquisition channel"),
    "driver_tenure": NP_("driver", "Years as a customer"),
    "driver_orders": NP_("driver", "Number of orders"),
}
