"""Identifiers in each service's own shape, built for whole columns at once.

Every function takes numpy arrays (one value per row) and returns a Polars Series of
strings; the only Python loops run over digit positions, never over rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SORTABLE_BASE32 = "234567abcdefghijklmnopqrstuvwxyz"  # atproto TIDs
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"  # dids and CIDs (RFC 4648, lower case)
X_EPOCH_MS = 1_288_834_974_657  # Twitter snowflake epoch
SALESFORCE_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _chars_to_series(codes: np.ndarray) -> pl.Series:
    """(rows, width) uint8 character codes → one string per row."""
    width = codes.shape[1]
    if len(codes) == 0:
        return pl.Series([], dtype=pl.String)
    packed = np.ascontiguousarray(codes).view(f"S{width}").ravel()
    return pl.Series(packed.astype(f"U{width}"), dtype=pl.String)


def _digits(values: np.ndarray, base: int, width: int) -> np.ndarray:
    """Fixed-width digits of non-negative integers, most significant first."""
    rest = values.astype(np.uint64)
    out = np.empty((len(rest), width), dtype=np.uint8)
    for position in range(width - 1, -1, -1):
        out[:, position] = rest % np.uint64(base)
        rest = rest // np.uint64(base)
    return out


def encode(values: np.ndarray, alphabet: str, width: int) -> pl.Series:
    """Integers written in `alphabet` with exactly `width` characters."""
    table = np.frombuffer(alphabet.encode(), dtype=np.uint8)
    return _chars_to_series(table[_digits(values, len(alphabet), width)])


def random_strings(rng: np.random.Generator, n: int, alphabet: str, width: int) -> pl.Series:
    table = np.frombuffer(alphabet.encode(), dtype=np.uint8)
    return _chars_to_series(table[rng.integers(0, len(alphabet), size=(n, width))])


def scrambled(index: np.ndarray, alphabet: str, width: int, salt: int) -> pl.Series:
    """Unique, random-looking fixed-width codes for distinct indexes (a bijection of the
    index modulo base**width, so short-link hashes never collide)."""
    modulus = len(alphabet) ** width
    multiplier = int(modulus * 0.6180339887) | 1  # golden ratio: neighbours land far apart
    if multiplier % 31 == 0:  # keep it coprime with 62**width
        multiplier += 2
    values = (index.astype(object) * multiplier + salt) % modulus
    return encode(np.array(values, dtype=np.uint64), alphabet, width)


def unique_low_bits(ms: np.ndarray, rng: np.random.Generator, bits: int) -> np.ndarray:
    """Low bits for time-based ids: random high part plus the row's rank among rows with
    the same millisecond, so two ids never collide."""
    rank = (
        pl.DataFrame({"ms": ms})
        .select(pl.int_range(pl.len(), dtype=pl.Int64).over("ms"))
        .to_series()
        .to_numpy()
    )
    rank_bits = 8
    high = rng.integers(0, 1 << (bits - rank_bits), size=len(ms), dtype=np.int64)
    return (high << rank_bits) | rank


def x_snowflakes(ms: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """X ids: milliseconds since the Twitter epoch << 22 | worker and sequence bits."""
    ids = ((ms - X_EPOCH_MS) << 22) | unique_low_bits(ms, rng, 22)
    return pl.Series(ids).cast(pl.String)


def mastodon_ids(ms: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Mastodon snowflakes: unix milliseconds << 16 | sequence bits."""
    ids = (ms << 16) | unique_low_bits(ms, rng, 16)
    return pl.Series(ids).cast(pl.String)


def bluesky_tids(us: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """atproto record keys: 13 sortable base32 characters of microseconds << 10 | clock id."""
    tids = (us.astype(np.uint64) << np.uint64(10)) | rng.integers(0, 1024, len(us)).astype(
        np.uint64
    )
    return encode(tids, SORTABLE_BASE32, 13)


def bluesky_cids(rng: np.random.Generator, n: int) -> pl.Series:
    return "bafyrei" + random_strings(rng, n, BASE32, 52)


def salesforce_ids(prefix: str, sequence: np.ndarray) -> pl.Series:
    """18-character Salesforce ids: key prefix, pod 'Ec', zero padding, a base62 counter and
    the real case-safe checksum suffix."""
    head = np.frombuffer(f"{prefix}Ec00000".encode(), dtype=np.uint8)
    table = np.frombuffer(BASE62.encode(), dtype=np.uint8)
    counter = table[_digits(sequence, 62, 5)]
    id15 = np.hstack([np.broadcast_to(head, (len(sequence), len(head))), counter])
    upper = ((id15 >= ord("A")) & (id15 <= ord("Z"))).astype(np.uint8)
    weights = (1 << np.arange(5)).astype(np.uint8)
    chunks = (upper.reshape(len(sequence), 3, 5) * weights).sum(axis=2)
    suffix = np.frombuffer(SALESFORCE_CHECKSUM.encode(), dtype=np.uint8)[chunks]
    return _chars_to_series(np.hstack([id15, suffix]).astype(np.uint8))
