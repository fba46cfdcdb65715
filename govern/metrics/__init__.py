"""The communication dashboard: the seed's KPIs computed exactly, as pages, CSV and JSON."""
