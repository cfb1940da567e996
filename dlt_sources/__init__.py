"""dlt sources of Fitness ELT, one package per source (verified-source layout)."""
