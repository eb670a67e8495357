"""Small functions the mechanisms share (docs/ODD.md §7): the logistic function that turns a
balance of reasons into a share or a probability, and a Poisson count from one uniform draw."""

from __future__ import annotations

import math

from collabsim.model.kernel_cache import njit


@njit(cache=True)
def sigmoid(x):
    """Logistic function: turns a balance of reasons into a share or a probability.

    math.exp, not np.exp: compiled, both are the C library's exp; uncompiled
    (NUMBA_DISABLE_JIT), numpy's own exp can differ from it in the last bit on some processors.
    The exponent is capped at 700 (where the share is 0 to 300 digits) so that the uncompiled
    path does not overflow."""
    return 1.0 / (1.0 + math.exp(min(-x, 700.0)))


@njit(cache=True)
def poisson_from_uniform(rate, u):
    """A Poisson(rate) count from one uniform number (inverse of the cumulative distribution)."""
    k, prob = 0, math.exp(-rate)
    cumulative = prob
    while u > cumulative and k < 1000:
        k += 1
        prob *= rate / k
        cumulative += prob
    return k
