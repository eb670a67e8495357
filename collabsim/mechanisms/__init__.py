"""The model's equations: one module per submodel of the ODD (docs/ODD.md §7).

Each module holds the compiled kernel(s) of its mechanism, with the equation in the docstring,
and a Python function of the same name that runs it on a partnership state (the unit tests call
these). `month` calls them all, in the ODD §3 order and by name, in one compiled call a month: it
is the one place where a new mechanism is plugged in.
"""
