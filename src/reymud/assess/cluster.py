"""The Dask client of the simulation, started early so worker start-up overlaps the first stages."""

from __future__ import annotations

import importlib
import threading
from typing import Any

from reymud.assess.config import AssessConfig

__all__ = ["DaskSession"]


def _warm_worker() -> None:
    """Import the spatial stage and krige a few points once, so that a worker's first simulation task
    does not pay for loading (or compiling) the kriging kernels."""
    import numpy as np

    spatial = importlib.import_module("reymud.spatial")
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 120.0]])
    model = spatial.VariogramModel(0.0, (spatial.Structure("spherical", 1.0, 500.0),))
    spatial.SimpleKriging(model, 0.0, spatial.Neighbourhood(max_samples=4, min_samples=1)).fit(
        xy, np.array([1.0, 2.0, 0.5, 1.5])).predict(np.array([[50.0, 50.0], [20.0, 80.0]]))


class DaskSession:
    """Client for ``reymud.spatial.simulate``: a scheduler address, a LocalCluster, or in-process.

    :meth:`start` connects in a background thread (LocalCluster workers are processes that import
    numpy, scipy and reymud; that takes seconds and overlaps the earlier stages); :meth:`get`
    waits for it. Always :meth:`close` (idempotent).

    Parameters
    ----------
    config : AssessConfig
        ``use_dask``, ``scheduler``, ``n_workers``, ``threads_per_worker``.
    """

    def __init__(self, config: AssessConfig) -> None:
        self.config = config
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._cluster: Any = None
        self._error: BaseException | None = None
        if not config.use_dask:
            self.label = "in-process (no Dask)"
        elif config.scheduler:
            self.label = f"Dask scheduler {config.scheduler}"
        else:
            self.label = (f"Dask LocalCluster ({config.n_workers} workers x "
                          f"{config.threads_per_worker} thread{'s' if config.threads_per_worker > 1 else ''})")

    def start(self) -> DaskSession:
        """Begin connecting in the background (no-op without Dask)."""
        if self.config.use_dask and self._thread is None:
            self._thread = threading.Thread(target=self._connect, name="reymud-dask-start", daemon=True)
            self._thread.start()
        return self

    def _connect(self) -> None:
        try:
            from distributed import Client, LocalCluster

            if self.config.scheduler:
                self._client = Client(self.config.scheduler, timeout="30s")
            else:
                self._cluster = LocalCluster(n_workers=self.config.n_workers,
                                             threads_per_worker=self.config.threads_per_worker,
                                             processes=True, dashboard_address=":0")  # any free port
                self._client = Client(self._cluster)
            self._client.run(_warm_worker)  # imports and compiled kernels loaded while earlier stages run
        except Exception as exc:  # re-raised in the caller's thread by get()
            self._error = exc

    def get(self) -> Any:
        """The client (or ``"sync"``), waiting for the background start if needed.

        Raises
        ------
        RuntimeError
            If the scheduler cannot be reached or the cluster does not start (names the cause).
        """
        if not self.config.use_dask:
            return "sync"
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise RuntimeError(f"Dask for the simulation could not start ({self.label}): {self._error}; "
                               "check --scheduler or set use_dask: false") from self._error
        return self._client

    def close(self) -> None:
        """Close the client and any cluster this session started."""
        if self._thread is not None:
            self._thread.join()
        for obj in (self._client, self._cluster):
            if obj is not None:
                obj.close()
        self._client = self._cluster = None
