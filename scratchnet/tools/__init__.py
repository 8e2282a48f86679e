"""Tools around the library: the benchmark behind ``scripts/bench.py``, the timing of each speed
trick, the SIGKILL fault test behind ``scripts/kill_test.py``, and the studies of teaching and of
training ideas on people's drawings."""
