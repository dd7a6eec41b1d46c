"""Journey analytics on the warehouse: journey map, funnels, paths, attribution and key drivers."""
