"""Screening: find listed parties despite spelling, script, word order and legal form.

`ScreeningIndex` (index.py) holds every name of a set of list versions; retrieval.py picks the
names a query is scored against, and search.py scores them (scorer.py) into hits that explain
themselves (explain.py); scorers are frozen, named versions (algorithms.py); `screen`
(service.py) answers from the store with cached indexes; batch.py screens whole files.
"""

from clearance.screening.algorithms import ALGORITHMS, get_algorithm, register_algorithm
from clearance.screening.batch import (
    BatchInputError,
    BatchSummary,
    ScreeningWorkerError,
    compare_file,
    screen_file,
)
from clearance.screening.compare import compare
from clearance.screening.config import AlgorithmConfig
from clearance.screening.index import ScreeningIndex
from clearance.screening.service import ScreeningResult, index_for, resolve_versions, screen

__all__ = [
    "ALGORITHMS",
    "AlgorithmConfig",
    "BatchInputError",
    "BatchSummary",
    "ScreeningIndex",
    "ScreeningResult",
    "ScreeningWorkerError",
    "compare",
    "compare_file",
    "get_algorithm",
    "index_for",
    "register_algorithm",
    "resolve_versions",
    "screen",
    "screen_file",
]
