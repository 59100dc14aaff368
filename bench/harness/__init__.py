"""bench/run's modules: environments, guest runs, host probe, statistics, report, plots."""
