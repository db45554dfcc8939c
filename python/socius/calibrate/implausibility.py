"""The implausibility of a parameter set (Craig et al. 1997; Vernon, Goldstein & Bower 2010;
Andrianakis et al. 2015 for a stochastic agent-based model):

    I_t(x) = |z_t - E[f_t(x)]| / sqrt(V_obs,t + V_model,t + V_emulator,t(x))

for target t with observed value z_t and observation variance V_obs,t; E[f_t(x)] and
V_emulator,t(x) are the emulator's mean and variance of the model's expected output at x;
V_model,t is the model's stochastic (run to run) variance, estimated from replicates: the world
is one realisation, so a single run's spread counts. A point is ruled out when the combined
implausibility exceeds the cut-off (3, from Pukelsheim's three-sigma rule: at least 95% of any
unimodal distribution lies within 3 standard deviations).
"""

from __future__ import annotations

import numpy as np

__all__ = ["implausibility", "combine", "RULES"]

RULES = ("max", "second_max")


def implausibility(z, obs_var, mean, emulator_var=0.0, model_var=0.0) -> np.ndarray:
    """I = |z - mean| / sqrt(obs_var + model_var + emulator_var), element-wise (broadcasting).

    All arguments in the target's unit (variances in the unit squared), e.g. arrays of shape
    (points, targets) for ``mean`` and ``emulator_var`` and (targets,) for ``z``, ``obs_var``
    and ``model_var``. Returns a dimensionless array of the broadcast shape.

    Raises
    ------
    ValueError
        A variance is negative, or the total variance is zero somewhere.
    """
    z, obs_var, mean = np.asarray(z, float), np.asarray(obs_var, float), np.asarray(mean, float)
    emulator_var, model_var = np.asarray(emulator_var, float), np.asarray(model_var, float)
    for name, v in (("obs_var", obs_var), ("emulator_var", emulator_var), ("model_var", model_var)):
        if np.any(v < 0):
            raise ValueError(f"{name} must be >= 0; got a minimum of {float(np.min(v))}")
    total = obs_var + model_var + emulator_var
    if np.any(total <= 0):
        raise ValueError("the total variance obs_var + model_var + emulator_var is 0 for some target: "
                         "give every target an uncertainty (a standard error or a range)")
    return np.abs(z - mean) / np.sqrt(total)


def combine(values, rule: str = "max") -> np.ndarray:
    """One implausibility per point from the targets' (last axis): the largest (``"max"``), or
    the second largest (``"second_max"``: one target may miss, Vernon et al. 2010), which needs
    at least two targets."""
    values = np.asarray(values, float)
    if rule not in RULES:
        raise ValueError(f"rule = {rule!r}: allowed: " + ", ".join(RULES))
    if values.shape[-1] == 0:
        raise ValueError("no targets")
    if rule == "max":
        return values.max(axis=-1)
    if values.shape[-1] < 2:
        raise ValueError("rule 'second_max' needs at least two targets")
    return np.sort(values, axis=-1)[..., -2]
