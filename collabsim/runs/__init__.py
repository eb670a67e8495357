"""Running the model: one run or many, and what they write.

Here live the runner (replicates of a scenario, each from its own seed), the output folder of a
run (`outputs`: summary, series, events, manifest) and its figures (`run_figures`, `plotting`), the
experiment files of sweeps and their designs (`experiment`), the sweep engine (`sweep`: process
pools or a Dask cluster, chunks, resume), reading a sweep's results back (`results`) and the one
process-pool setup that sweep and compare share (`pools`, `worker_start`).
"""
