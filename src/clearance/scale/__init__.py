"""Partitioned file screening on a Dask cluster: the plumbing under `service`, not a door.

    from clearance.scale import ClusterSpec, ScreenParams, screen_partitioned
    run = screen_partitioned(index, "s3://bucket/book.parquet", "hits.csv", ScreenParams(),
                             partition_rows=50_000, spec=ClusterSpec(workers=2))

The use case `clearance.service.screen_parties_file` calls this when a cluster is configured
(`CLEARANCE_DASK_SCHEDULER`, `--scheduler`, `--workers`); it writes the batch's one audit
record itself. Nothing here touches the store: workers get an index and a slice of the input,
and hand back hit rows.

- `io.py`: local paths and fsspec URLs, checksums;
- `partitions.py`: cutting CSV (byte ranges at record boundaries) and Parquet (row ranges)
  into partitions aligned on the single-process run's chunks, and reading one back;
- `shipping.py`: the index on its way to the workers, once per worker;
- `tasks.py`: what a worker runs for one partition;
- `cluster.py`: connecting to a scheduler, or starting a LocalCluster;
- `run.py`: plan, submit, gather in order, write.

Modules are imported on first use: Dask takes a second to import, and the single-process run
never needs it.
"""

from __future__ import annotations

import importlib
from typing import Any

from clearance.scale.errors import ClusterError

_EXPORTS = {
    "ClusterSpec": "cluster",
    "open_cluster": "cluster",
    "is_url": "io",
    "sha256_of": "io",
    "CsvPartition": "partitions",
    "ParquetPartition": "partitions",
    "RowsPartition": "partitions",
    "Plan": "partitions",
    "ship": "shipping",
    "ScreenParams": "tasks",
    "PartitionResult": "tasks",
    "screen_partition": "tasks",
    "PartitionedRun": "run",
    "screen_partitioned": "run",
}

__all__ = ["ClusterError", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'clearance.scale' has no attribute {name!r}")
    return getattr(importlib.import_module(f"clearance.scale.{module}"), name)
