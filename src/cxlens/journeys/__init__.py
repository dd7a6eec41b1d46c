"""Journey analytics on the warehouse: journey map, funnels, paths, attribution and key drivers."""

#: the journey map's stage for touchpoints that only surveys name
SURVEY_ONLY = "(surveys)"
