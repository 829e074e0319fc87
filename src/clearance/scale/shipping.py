"""The screening index on its way to the Dask workers: built once, received once per worker.

`ship(client, index)` pickles the index once and registers it as a worker plugin: the
scheduler sends the plugin to every worker, and to any worker that joins later, and each
worker unpickles it once, into a registry of this module, where tasks find it by its key.
Tasks carry only that key, so the index never travels with a task, and it stays out of Dask's
data management: `scatter(broadcast=True)` was tried first, and the Active Memory Manager
(on by default) dropped the extra copies, so workers fetched the index again mid-run.

A worker unpickles the index with the cycle collector off and then freezes it, as a load from
the disk cache does (screening/service.py): the collector would otherwise walk its hundreds
of thousands of objects again and again during the run. `unship` drops it from every worker.

Each worker process remembers what it received (`received()`), so a test or a benchmark can
ask every worker how often an index arrived and what unpickling it cost.
"""

from __future__ import annotations

import gc
import pickle
import time
import uuid
from dataclasses import dataclass
from typing import Any

from distributed import Client
from distributed.diagnostics.plugin import WorkerPlugin

from clearance.scale.errors import ClusterError
from clearance.screening.index import ScreeningIndex

_installed: dict[str, ScreeningIndex] = {}
_received: list[dict[str, Any]] = []


class IndexPlugin(WorkerPlugin):
    """The pickled index, unpacked on each worker into this module's registry."""

    idempotent = True

    def __init__(self, key: str, data: bytes) -> None:
        self.name = key
        self.data = data

    def setup(self, worker: Any) -> None:
        if self.name in _installed:  # registered twice: it is already here
            return
        started = time.perf_counter()
        enabled = gc.isenabled()
        gc.disable()
        try:
            index = pickle.loads(self.data)
        finally:
            if enabled:
                gc.enable()
        gc.freeze()
        _installed[self.name] = index
        seconds = time.perf_counter() - started
        _received.append({"key": self.name, "bytes": len(self.data), "seconds": seconds})
        self.data = b""  # the index is unpacked; the bytes need not stay

    def teardown(self, worker: Any) -> None:
        _installed.pop(self.name, None)


def installed(key: str) -> ScreeningIndex:
    """The index shipped under `key`, on this worker."""
    index = _installed.get(key)
    if index is None:
        raise ClusterError(f"index {key} is not on this worker (was the run's plugin removed?)")
    return index


def received(key: str | None = None) -> list[dict[str, Any]]:
    """Each index this process received (under `key`, or any): its key, its pickled size and
    the seconds unpickling took."""
    return [item for item in _received if key is None or item["key"] == key]


@dataclass(frozen=True, slots=True)
class Shipment:
    key: str
    nbytes: int
    seconds: float  # pickling here, the transfer, and unpickling on every worker


def ship(client: Client, index: ScreeningIndex) -> Shipment:
    """Put `index` on every worker of `client`'s cluster, once each."""
    started = time.perf_counter()
    key = f"clearance-index-{uuid.uuid4().hex}"
    data = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        client.register_plugin(IndexPlugin(key, data))
    except Exception as exc:  # a worker could not unpickle it: another clearance, or none
        raise ClusterError(
            f"the Dask workers could not take the screening index ({exc.__class__.__name__}: "
            f"{exc}); they need clearance installed, the same version as this one"
        ) from exc
    return Shipment(key, len(data), time.perf_counter() - started)


def unship(client: Client, shipment: Shipment) -> None:
    """Drop the index from every worker (and from what the scheduler sends new workers)."""
    client.unregister_worker_plugin(shipment.key)
