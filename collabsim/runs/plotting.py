"""Matplotlib as every figure of collabsim uses it: drawn to files, text never read as markup.

Import `plt` from here, not from matplotlib: the Agg backend needs no screen, and with
`text.parse_math` off a scenario named "R&D $ plan_$" is printed as written in a title instead
of being parsed (and failing) as TeX mathematics.
"""

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["text.parse_math"] = False

import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["plt"]
