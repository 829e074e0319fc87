"""clearance-v2's extra retrieval routes, beside retrieval.py's doors.

- Spelling keys (names/cyrillic.py): `sergei` reaches `sergey`, `iurii` reaches `yuriy`.
- Consonant skeletons (names/arabic.py), for names written in Arabic script only: `nurzi`
  reaches `noorzai`.
- A word split in two or two words joined (issue 15's evasions `Prigo-zhin`, `Pri gozhin`,
  and `Alqaida` for `AL QAIDA`): two adjacent query words whose concatenation is a listed
  word reach the names holding it; one long query word that splits into two listed words
  reaches the names holding both. The scorer's merge pass then aligns them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from clearance.names.arabic import skeleton
from clearance.names.cyrillic import spelling_key
from clearance.screening.variants import MIN_SKELETON

__all__ = ["joined_routes", "route_keys", "split_join", "split_routes"]

IntArray = npt.NDArray[np.int32]
# Parts of a split word shorter than this are too common to mean anything (`al`, `de`).
MIN_PART = 3
MIN_SPLIT_WORD = 6


def route_keys(tokens: Sequence[str]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """(spelling key -> token ids, skeleton -> token ids) over the vocabulary."""
    variants: dict[str, list[int]] = defaultdict(list)
    skeletons: dict[str, list[int]] = defaultdict(list)
    for token_id, token in enumerate(tokens):
        if not token.isalpha():
            continue
        key = spelling_key(token)
        if key is not None:
            variants[key].append(token_id)
        bones = skeleton(token)
        if len(bones) >= MIN_SKELETON:
            skeletons[bones].append(token_id)
    return dict(variants), dict(skeletons)


def joined_routes(tokens: Sequence[str], vocab: dict[str, int]) -> list[tuple[int, int, int]]:
    """(first position, second position, listed token id) for adjacent query words that are
    one listed word written apart."""
    found = []
    for k in range(len(tokens) - 1):
        a, b = tokens[k], tokens[k + 1]
        if a.isalpha() and b.isalpha():
            token_id = vocab.get(a + b)
            if token_id is not None:
                found.append((k, k + 1, token_id))
    return found


def split_routes(
    token: str, vocab: dict[str, int], postings: Callable[[int], IntArray]
) -> IntArray | None:
    """The names holding both halves of a query word that is two listed words written as one
    (`alqaida` -> `al` + `qaida` is too short a half; `prigozhinyevgeniy` is not)."""
    if len(token) < MIN_SPLIT_WORD or not token.isalpha() or token in vocab:
        return None
    found: list[IntArray] = []
    for cut in range(MIN_PART, len(token) - MIN_PART + 1):
        left, right = vocab.get(token[:cut]), vocab.get(token[cut:])
        if left is not None and right is not None:
            found.append(np.intersect1d(postings(left), postings(right)))
    if not found:
        return None
    return np.unique(np.concatenate(found)).astype(np.int32)


def split_join(
    tokens: Sequence[str],
    weights: Sequence[float],
    vocab: dict[str, int],
    listed_weights: npt.NDArray[np.float32],
    postings: Callable[[int], IntArray],
) -> list[tuple[IntArray, float, float]]:
    """(names, query weight, listed weight) reached by a word split in two or two words
    joined, for retrieval's estimate."""
    reached: list[tuple[IntArray, float, float]] = []
    for first, second, token_id in joined_routes(tokens, vocab):
        weight = weights[first] + weights[second]
        reached.append((postings(token_id), weight, float(listed_weights[token_id])))
    for k, token in enumerate(tokens):
        halves = split_routes(token, vocab, postings)
        if halves is not None and len(halves):
            reached.append((halves, weights[k], weights[k]))
    return reached
