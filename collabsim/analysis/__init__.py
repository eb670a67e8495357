"""What the runs mean: statistics, sensitivity analysis, policy comparison, reports and narration.

`stats` (survival curves, intervals), `sensitivity` and `sensitivity_figures` (Sobol and Morris
with SALib), `comparison` and `compare_report` (funding schemes on common random numbers, and the
report a policy maker reads), `narration` (a run's events told in words, English and Dutch).
"""
