"""Benchmarks for THC Node: `make bench` (`python -m bench`).

Every figure is a ratio to the machine's ceiling measured in the same run: a bare aiohttp JSON
handler in its own process (bench/ceiling.py), loaded by the same generator with the same number
of connections. Rounds alternate ceiling and targets so a noisy neighbour hits both; the table
quotes medians. See bench/README.md.
"""
