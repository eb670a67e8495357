"""Small functions the mechanisms share (docs/ODD.md §7): the logistic function that turns a
balance of reasons into a share or a probability, and a Poisson count from one uniform draw."""

from __future__ import annotations

import numpy as np

from collabsim.model.kernel_cache import njit


@njit(cache=True)
def sigmoid(x):
    """Logistic function: turns a balance of reasons into a share or a probability."""
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True)
def poisson_from_uniform(rate, u):
    """A Poisson(rate) count from one uniform number (inverse of the cumulative distribution)."""
    k, prob = 0, np.exp(-rate)
    cumulative = prob
    while u > cumulative and k < 1000:
        k += 1
        prob *= rate / k
        cumulative += prob
    return k
