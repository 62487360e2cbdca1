"""De-identification evaluation set and benchmark (``python -m benchmarks.deid.run``)."""
