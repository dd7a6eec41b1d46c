"""Customer analytics on the warehouse: RFM scores and segments, cohorts, lifecycle, churn, CLV."""
