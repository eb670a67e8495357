"""What the runs mean: statistics, sensitivity analysis, policy comparison, reports and narration.

`stats` (survival curves, intervals, a run folder's headline figures); the sensitivity analysis
with SALib (`sensitivity` runs it: `sensitivity_spec`, `sensitivity_indices`, `sensitivity_models`,
`sensitivity_outputs` with report.md, `sensitivity_figures`); `comparison` and `compare_report`
(funding schemes on common random numbers, and the report a policy maker reads); `narration` (a
run's events told in words, English and Dutch).
"""
