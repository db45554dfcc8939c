"""Running a scenario: the Simulation object and ``run``, which writes a results file."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time as _time
from pathlib import Path
from typing import Any

import numpy as np

from . import _core
from .scenario import Scenario

__all__ = ["Simulation", "run"]


def _git_revision() -> str:
    """The revision of the source checkout the package runs from, if it is one."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not run from a git checkout)"


class Simulation:
    """A running simulation of a scenario.

    Parameters
    ----------
    scenario : Scenario or str or path
        The scenario, or a TOML file to load.
    seed : int, optional
        64-bit seed. Without one a seed is drawn from the operating system; read it back from
        :attr:`seed` (it is always written to results).
    threads : int, optional
        Worker threads (default: every core). Results do not depend on it.

    Raises
    ------
    ScenarioError
        If the scenario is invalid.
    """

    def __init__(self, scenario: Scenario | str | os.PathLike, seed: int | None = None,
                 threads: int | None = None):
        if not isinstance(scenario, Scenario):
            scenario = Scenario.load(scenario)
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
            raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
        if seed is not None and not 0 <= int(seed) < 2**64:
            raise ValueError(f"seed must be in [0, 2**64), got {seed}")
        if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool)):
            raise TypeError(f"threads must be an int or None, got {type(threads).__name__}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        scenario.validate()
        self.scenario = scenario
        self._sim = _core.Simulation(scenario.model, list(scenario.entries),
                                     None if seed is None else int(seed), threads or 0)

    # -- state -----------------------------------------------------------------------------
    @property
    def seed(self) -> int:
        """The seed in use (chosen automatically when none was given)."""
        return self._sim.seed

    @property
    def threads(self) -> int:
        return self._sim.threads

    @property
    def time(self) -> int:
        """Policy time in steps: negative during burn-in, 0 when burn-in ends."""
        return self._sim.time

    @property
    def steps_done(self) -> int:
        """Steps run so far, burn-in included."""
        return self._sim.steps_done

    @property
    def steps_total(self) -> int:
        """Burn-in plus horizon."""
        return self._sim.steps_total

    @property
    def finished(self) -> bool:
        return self._sim.steps_done >= self._sim.steps_total

    @property
    def population(self) -> int:
        return self._sim.population

    @property
    def tie_count(self) -> int:
        return self._sim.tie_count

    def column(self, name: str) -> np.ndarray:
        """A read-only NumPy view (no copy) of an agent column, e.g. ``"loneliness"``."""
        return self._sim.column(name)

    @property
    def columns(self) -> list[str]:
        return list(self._sim.column_names())

    def ties(self) -> dict[str, np.ndarray]:
        """Every tie once as arrays ``source``, ``target`` (source < target), ``weight``, ``type``."""
        return dict(self._sim.edges())

    def indicators(self) -> dict[str, Any]:
        """The recorded indicators: ``time``, ``values[time, group, indicator]`` and names."""
        return dict(self._sim.indicators())

    # -- running -----------------------------------------------------------------------------
    def step(self, n: int = 1) -> int:
        """Runs ``n`` steps (fewer if the horizon is reached); returns the number run."""
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return self._sim.step(int(n))

    def run(self, steps: int | None = None, progress: bool = True) -> "Simulation":
        """Runs ``steps`` steps, or to the horizon, showing progress on stderr.

        The C++ work runs with the GIL released, in chunks of about a quarter of a second, so
        Ctrl-C stops the run between steps (raising KeyboardInterrupt) and leaves the simulation
        usable.
        """
        remaining = self._sim.steps_total - self._sim.steps_done if steps is None else int(steps)
        if remaining < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        bar = _progress(total=remaining, enabled=progress, label=self.scenario.name)
        chunk = 1
        try:
            while remaining > 0:
                t0 = _time.perf_counter()
                done = self._sim.step(min(chunk, remaining))
                if done == 0:
                    break
                remaining -= done
                bar.update(done)
                elapsed = _time.perf_counter() - t0
                # Aim for chunks of about 0.25 s: responsive to Ctrl-C, negligible overhead.
                chunk = max(1, min(chunk * 4, int(chunk * 0.25 / max(elapsed, 1e-6)) or 1))
        finally:
            bar.close()
        return self


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool, label: str):
    if not enabled or total <= 0:
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="step", file=sys.stderr, dynamic_ncols=True,
                mininterval=0.5, smoothing=0.1)


def run(scenario: Scenario | str | os.PathLike, output: str | os.PathLike, *, seed: int | None = None,
        threads: int | None = None, progress: bool = True, command: str | None = None) -> Path:
    """Runs a scenario to its horizon and writes the results file ``output``.

    The file is written under a temporary name and renamed only when complete: after an error or
    Ctrl-C there is no file at ``output`` and the temporary file is removed.

    Returns
    -------
    pathlib.Path
        The results file.
    """
    sim = Simulation(scenario, seed=seed, threads=threads)
    output = Path(output)
    writer = _core.ResultsWriter(str(output))
    try:
        writer.attach(sim._sim)
        sim.run(progress=progress)
        write_provenance(writer, sim.scenario, command)
        writer.commit(sim._sim)
    except BaseException:
        writer.discard()
        raise
    return output


def write_provenance(writer, scenario: Scenario, command: str | None) -> None:
    """Root attributes every results file carries besides the engine's own."""
    writer.attribute("scenario", scenario.to_toml())
    writer.attribute("scenario_name", scenario.name)
    writer.attribute("scenario_hash", scenario.hash())
    writer.attribute("scenario_source", scenario.source or "")
    writer.attribute("git_revision", _git_revision())
    writer.attribute("command", command or " ".join(shlex.quote(a) for a in sys.argv))
    writer.attribute("python_version", sys.version.split()[0])
