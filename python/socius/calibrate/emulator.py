"""A Gaussian-process emulator of one model output (scikit-learn's GaussianProcessRegressor).

The emulator is fitted to the mean of each design point's replicates, in the unit cube of the
prior box, with the output standardised; the kernel is a constant times an anisotropic Matern
5/2 (one length scale per parameter), its hyperparameters fitted by maximum marginal likelihood
(L-BFGS-B with restarts, seeded). The replicate means are noisy: each point's known noise
variance (the model's stochastic variance divided by the number of replicates) is added to the
diagonal (``alpha``), so the emulator smooths the noise and does not interpolate it; its
predicted variance is that of the model's *expected* output (no noise term), which is what the
implausibility's V_emulator is.
"""

from __future__ import annotations

import warnings

import numpy as np

from .design import to_unit

__all__ = ["Emulator"]


class Emulator:
    """Emulates the expected value of one model output over a box of parameters.

    Parameters
    ----------
    bounds : array (d, 2)
        The prior box: [min, max] per parameter (inputs are scaled to the unit cube).
    restarts : int
        Further starts of the hyperparameter optimiser (from random points, seeded by ``seed``).
    seed : int
    """

    def __init__(self, bounds, *, restarts: int = 3, seed: int = 0):
        self.bounds = np.asarray(bounds, dtype=float)
        self.restarts = int(restarts)
        self.seed = int(seed) % 2**32
        self.gp = None

    def fit(self, x, y, noise_var) -> "Emulator":
        """Fits the emulator.

        Parameters
        ----------
        x : array (n, d)
            Design points in parameter units.
        y : array (n,)
            The output at each point (the mean of its replicates), in the output's unit.
        noise_var : float or array (n,)
            The variance of each ``y`` about the model's expected output (unit squared): the
            stochastic variance over the number of replicates; 0 for a deterministic output.

        Raises
        ------
        ValueError
            Shapes that do not match, fewer than 2 points, or non-finite values.
        """
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern

        x = np.atleast_2d(np.asarray(x, dtype=float))
        y = np.asarray(y, dtype=float).ravel()
        d = self.bounds.shape[0]
        if x.shape != (len(y), d):
            raise ValueError(f"x has shape {x.shape}; expected ({len(y)}, {d}) for {len(y)} outputs and {d} parameters")
        if len(y) < 2:
            raise ValueError(f"an emulator needs at least 2 points; got {len(y)}")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise ValueError("x and y must be finite (a run's output was NaN: is the indicator recorded for this group?)")
        noise = np.broadcast_to(np.asarray(noise_var, dtype=float), y.shape)
        if np.any(noise < 0) or not np.all(np.isfinite(noise)):
            raise ValueError("noise_var must be finite and >= 0")
        self.mu = float(y.mean())
        self.scale = float(y.std()) or 1.0
        ys = (y - self.mu) / self.scale
        alpha = noise / self.scale**2 + 1e-8  # a small nugget for numerical stability
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(length_scale=np.full(d, 0.5),
                                                            length_scale_bounds=(1e-2, 1e2), nu=2.5)
        self.gp = GaussianProcessRegressor(kernel=kernel, alpha=alpha, normalize_y=False,
                                           n_restarts_optimizer=self.restarts, random_state=self.seed)
        with warnings.catch_warnings():
            # a length scale at its bound (an output flat in a parameter) is a result, not an error
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.gp.fit(to_unit(x, self.bounds), ys)
        self.n = len(y)
        return self

    def predict(self, x, batch: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
        """The emulator's mean and variance of the expected output at points ``x`` (m, d).

        Returns
        -------
        (mean, var) : ndarrays (m,), in the output's unit and unit squared.
        """
        if self.gp is None:
            raise RuntimeError("Emulator.predict before fit")
        x = np.atleast_2d(np.asarray(x, dtype=float))
        mean = np.empty(len(x))
        var = np.empty(len(x))
        for i in range(0, len(x), batch):
            m, s = self.gp.predict(to_unit(x[i:i + batch], self.bounds), return_std=True)
            mean[i:i + batch] = self.mu + self.scale * m
            var[i:i + batch] = (self.scale * s) ** 2
        return mean, var

    @property
    def kernel(self) -> str:
        """The fitted kernel (hyperparameters in the unit cube and standardised output)."""
        return str(self.gp.kernel_) if self.gp is not None else "(not fitted)"
