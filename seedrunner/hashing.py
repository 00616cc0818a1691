"""Password hashes for seeded users, the same on every run.

Seeded users must be able to log in, so a ``hash`` transform stores what the application's
verifier accepts: a plain sha256 hex digest, Django's ``pbkdf2_sha256$iterations$salt$hash``
(standard library only) or a bcrypt ``$2b$`` hash (pyca's ``bcrypt``).  Salts are derived
from (seed, dataset, field, row index) rather than drawn at random, so the same manifest
writes the same hashes on every machine; they are still unique per row.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any


class HashUnavailable(ValueError):
    """The algorithm is unknown or its library is not installed (a plan-time problem)."""


DEFAULT_ROUNDS = {"pbkdf2_sha256": 1000, "bcrypt": 4}
_BCRYPT_ALPHABET = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
)


def salt_for(seed: int, dataset: str, field: str, index: int) -> bytes:
    return hashlib.sha256(f"{seed}:{dataset}:{field}:{index}".encode()).digest()[:16]


def hasher(algorithm: str, rounds: int | None) -> Callable[[str, bytes], str]:
    """``hash(text, salt) -> stored string``; a missing library is a plan error."""
    if algorithm == "sha256":
        return lambda text, _salt: hashlib.sha256(text.encode()).hexdigest()
    if algorithm == "pbkdf2_sha256":
        iterations = rounds or DEFAULT_ROUNDS["pbkdf2_sha256"]

        def pbkdf2(text: str, salt: bytes) -> str:
            salt_text = (
                base64.b64encode(salt).decode().rstrip("=").replace("+", "x").replace("/", "y")
            )
            digest = hashlib.pbkdf2_hmac("sha256", text.encode(), salt_text.encode(), iterations)
            b64 = base64.b64encode(digest).decode()
            return f"pbkdf2_sha256${iterations}${salt_text}${b64}"

        return pbkdf2
    if algorithm == "bcrypt":
        return _bcrypt(max(4, rounds or DEFAULT_ROUNDS["bcrypt"]))
    raise HashUnavailable(f"unknown hash algorithm {algorithm!r}")


def _bcrypt(cost: int) -> Callable[[str, bytes], str]:
    try:
        import bcrypt
    except ImportError:
        raise HashUnavailable(
            "hash algorithm 'bcrypt' needs the bcrypt package: pip install 'seedrunner[passwords]'"
        ) from None
    lib: Any = bcrypt

    def hash_bcrypt(text: str, salt: bytes) -> str:
        # 16 bytes in base64 are 22 characters whose last carries 2 bits and 4 zero bits:
        # exactly a bcrypt salt once the alphabet is bcrypt's
        encoded = base64.b64encode(salt).translate(_BCRYPT_ALPHABET)[:22]
        full = b"$2b$%02d$" % cost + encoded
        return str(lib.hashpw(text.encode()[:72], full).decode())

    return hash_bcrypt
