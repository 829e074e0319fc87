"""The cluster a partitioned run uses: an existing one by its scheduler's address, or a
LocalCluster of worker processes started for the run and stopped after it.

Workers of a LocalCluster run one thread each: screening is Python holding the GIL, so
processes, not threads, use the cores. Workers of an existing cluster are started by whoever
runs it (`dask worker tcp://host:8786 --nthreads 1`); they need clearance importable, the same
version as the caller's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from distributed import Client, LocalCluster

from clearance.scale.errors import ClusterError
from clearance.settings import Settings, SettingsError

CONNECT_TIMEOUT = "20s"


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """Which cluster: `scheduler` (`tcp://host:port`) or a LocalCluster of `workers`
    processes, whose dashboard is served at `dashboard` (`host:port`; empty: none)."""

    scheduler: str = ""
    workers: int = 0
    dashboard: str = ""

    def __post_init__(self) -> None:
        if bool(self.scheduler) == bool(self.workers):
            raise SettingsError(
                "give either a scheduler address (dask_scheduler) or a number of local "
                "workers (dask_workers), not both"
                if self.scheduler
                else "a cluster needs a scheduler address or a number of local workers"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterSpec | None:
        """The cluster the settings name, or None for a run in this process."""
        if not settings.dask_scheduler and not settings.dask_workers:
            return None
        return cls(settings.dask_scheduler, settings.dask_workers, settings.dask_dashboard)


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    scheduler: str
    workers: int
    dashboard: str | None
    local: bool

    def to_dict(self) -> dict[str, Any]:
        return {"scheduler": self.scheduler, "workers": self.workers, "local": self.local}


@contextmanager
def open_cluster(spec: ClusterSpec) -> Iterator[Client]:
    """A client of the cluster `spec` names, closed (and a LocalCluster stopped) on exit."""
    with ExitStack() as stack:
        if spec.scheduler:
            try:
                client = Client(spec.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {spec.scheduler}: {exc}"
                ) from exc
            stack.callback(client.close)
        else:
            cluster = LocalCluster(
                n_workers=spec.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                scheduler_port=0,
                # Without a dashboard the scheduler still serves /health: on a port of its own,
                # not Dask's usual 8787, which another cluster on the machine may hold.
                dashboard_address=spec.dashboard or "127.0.0.1:0",
                scheduler_kwargs={"dashboard": bool(spec.dashboard)},
                silence_logs=logging.ERROR,
            )
            stack.callback(cluster.close)
            client = Client(cluster, set_as_default=False)
            stack.callback(client.close)
            client.wait_for_workers(spec.workers)
        yield client


def describe(client: Client, spec: ClusterSpec) -> ClusterInfo:
    info = client.scheduler_info(n_workers=-1)
    address = str(info["address"])
    if not info["workers"]:
        raise ClusterError(f"the Dask cluster at {address} has no workers")
    # An existing cluster's dashboard is its scheduler's business (`--dashboard-address`).
    dashboard = client.dashboard_link if spec.dashboard and not spec.scheduler else None
    return ClusterInfo(address, len(info["workers"]), dashboard, not spec.scheduler)
