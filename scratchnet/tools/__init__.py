"""Tools around the library: the BLAS thread control (``blas``), the benchmark behind
``scripts/bench.py`` and the SIGKILL fault test behind ``scripts/kill_test.py``."""
