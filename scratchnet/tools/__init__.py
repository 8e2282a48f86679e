"""Tools around the library: the benchmark behind
``scripts/bench.py`` (``benchmark``) and the timing of each speed trick (``tricks``), the SIGKILL
fault test behind ``scripts/kill_test.py`` (``killtest``), the IDX fuzzer behind
``scripts/fuzz_idx.py`` (``idxfuzz``), and the measurements of training ideas and teaching on
people's drawings (``drawing_study``, ``teaching``)."""
