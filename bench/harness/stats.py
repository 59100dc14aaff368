"""Medians and their confidence intervals from order statistics (no distribution assumed:
the machine's noise is neither normal nor stationary)."""

import math


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if n == 0:
        return None
    mid = n // 2
    return xs[mid] if n % 2 else (xs[mid - 1] + xs[mid]) / 2


def median_ci(xs, confidence=0.95):
    """(low, high, coverage): the narrowest [x_(k), x_(n-k+1)] that covers the true median with
    probability >= confidence; with too few samples, [min, max] and its (lower) coverage."""
    xs = sorted(xs)
    n = len(xs)
    if n == 0:
        return None, None, 0.0
    if n == 1:
        return xs[0], xs[0], 0.0

    def coverage(k):  # P(x_(k) <= median <= x_(n-k+1)) = 1 - 2 P(Binomial(n, 1/2) <= k-1)
        return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n

    k = 1
    while k + 1 <= n // 2 and coverage(k + 1) >= confidence:
        k += 1
    return xs[k - 1], xs[n - k], coverage(k)


def summarize(xs):
    if not xs:
        return None
    lo, hi, cov = median_ci(xs)
    return {"n": len(xs), "median": median(xs), "min": min(xs), "max": max(xs),
            "ci_low": lo, "ci_high": hi, "ci_coverage": round(cov, 4)}


def verdict_at_most(s, limit):
    """Target "value <= limit" judged on the CI of the median."""
    if s is None:
        return "missing"
    if s["n"] < 2:
        return "not resolved (one sample)"
    if s["ci_high"] <= limit:
        return "met"
    if s["ci_low"] > limit:
        return "missed"
    return "not resolved"


def verdict_at_least(s, limit):
    if s is None:
        return "missing"
    if s["n"] < 2:
        return "not resolved (one sample)"
    if s["ci_low"] >= limit:
        return "met"
    if s["ci_high"] < limit:
        return "missed"
    return "not resolved"
