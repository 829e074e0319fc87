"""The errors of the partitioned run, importable without loading Dask."""

from __future__ import annotations


class ClusterError(Exception):
    """The Dask cluster cannot be reached or started; the message says which and why."""
