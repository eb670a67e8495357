"""Running the model: one run or many, and what they write.

Here live the runner (replicates of a scenario, each from its own seed), the output folder of a
run (`outputs`: summary, series, events, manifest) and its figures (`run_figures`, `plotting`);
experiment files (`experiment`, its schema in `experiment_file`, its factors in `factors`, its
design and seeds in `design`); the sweep engine (`sweep`, the driver, with `chunks` run by the
workers, `executors` for process pools and Dask, `sweep_folder` for the files and resume,
`sweep_size` for time and memory); reading a sweep's results back (`results`) and the one
process-pool setup that sweep and compare share (`pools`, `worker_start`).
"""
