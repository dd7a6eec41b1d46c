"""Marketing economics: acquisition cohorts, payback and LTV:CAC, and a light marketing-mix model."""
