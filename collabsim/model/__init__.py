"""The model: what a partnership is and how a month of it unfolds, apart from the equations.

Here live the scenario file's schema (`scenario`), the mechanism constants (`parameters`) and the
switches that turn each feedback loop off (`structure`),
the strict validation both use (`validation`), the building of a region's organisations and
partnerships and their state arrays (`region`), the Mesa agents (`agents`) and the Mesa model that
steps a month (`collaboration.CollaborationModel`), the funding and rules instruments (`policy`),
the classroom's teacher moments (`teacher_moments`), the event log (`events`) and the buffer the
compiled kernels write events to (`event_buffer`), and the compiled-code cache (`kernel_cache`,
`precompile`). The equations themselves are in `collabsim.mechanisms`; what runs many models
(runners, sweeps) is in `collabsim.runs`.
"""
