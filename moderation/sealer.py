"""Addresses sealed at rest: the key ring, seal/open, and the keyed-hash index.

A sealed value is text, `<key id>:<base64 of nonce + ciphertext>`, so that it fits the same
columns in both dialects and `moderation keys status` can count rows per key with LIKE. The
associated data names the table, column and row id: a ciphertext copied to another row, or to
another column, does not open. Lookups never decrypt: they compare the index, an HMAC-SHA256 of
the normalised address under a key of its own. It is the one lookup key of an address, for every
table: comments, the outbox and the readers' tables alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import SealingError
from .tokens import keyed_digest

log = logging.getLogger(__name__)

# What a damaged row (or one sealed under a key no longer given) reads as: never an address, so
# the sender gives its mail up and the queue shows it for that row alone.
UNREADABLE = "(address unreadable)"

KEY_ID = re.compile(r"^[A-Za-z0-9]{1,16}$")  # no LIKE wildcards, no separator
NONCE_BYTES = 12


def _key(text: str, variable: str) -> tuple[str, bytes]:
    key_id, sep, encoded = text.strip().partition(":")
    if not sep or not KEY_ID.match(key_id):
        raise SealingError(f"{variable}: each key must look like id:base64-32-bytes (id: letters and digits)")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise SealingError(f"{variable}: key {key_id!r} is not valid base64") from None
    if len(raw) != 32:
        raise SealingError(f"{variable}: key {key_id!r} must be 32 bytes, not {len(raw)}")
    return key_id, raw


def parse_data_keys(value: str) -> tuple[tuple[str, bytes], ...]:
    keys = tuple(_key(item, "MODERATION_DATA_KEYS") for item in value.split(",") if item.strip())
    if not keys:
        raise SealingError("MODERATION_DATA_KEYS: must name at least one key")
    if len({key_id for key_id, _ in keys}) != len(keys):
        raise SealingError("MODERATION_DATA_KEYS: two keys share an id")
    return keys


def parse_index_key(value: str) -> tuple[str, bytes]:
    if "," in value:
        raise SealingError("MODERATION_INDEX_KEY: must be a single key")
    return _key(value, "MODERATION_INDEX_KEY")


def new_key_text(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def normalised(address: str) -> str:
    return address.strip().lower()


@dataclass(frozen=True)
class Sealer:
    """Seals and opens addresses for the store, and computes their index."""

    data_keys: tuple[tuple[str, bytes], ...]  # the first encrypts, all decrypt
    index_key: tuple[str, bytes]
    # The secret key, for the one use left of what readers' tables were keyed by before the index
    # (store/legacy.py); '' where no reader subscribes (the command line).
    legacy_secret: str = field(default="", repr=False)

    @cached_property
    def _ciphers(self) -> dict[str, AESGCM]:
        return {key_id: AESGCM(key) for key_id, key in self.data_keys}

    @property
    def current(self) -> str:
        return self.data_keys[0][0]

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(key_id for key_id, _ in self.data_keys)

    @staticmethod
    def _bound(table: str, column: str, row_id: object) -> bytes:
        return f"{table}.{column}.{row_id}".encode()

    def seal(self, address: str, table: str, column: str, row_id: object) -> str:
        if not address:
            return ""  # an erased address stays erased
        key_id = self.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, address.encode(), self._bound(table, column, row_id))
        return f"{key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, value: str, table: str, column: str, row_id: object) -> str:
        """The address, '' for an erased one, UNREADABLE for a damaged row or an unknown key."""
        if not value:
            return ""
        try:
            return self.open_strict(value, table, column, row_id)
        except ValueError as error:
            log.error("%s.%s of row %s: %s", table, column, row_id, error)
            return UNREADABLE

    def open_strict(self, value: str, table: str, column: str, row_id: object) -> str:
        key_id, _, encoded = value.partition(":")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise ValueError(f"sealed under key {key_id!r}, which MODERATION_DATA_KEYS does not hold")
        try:
            raw = base64.b64decode(encoded, validate=True)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._bound(table, column, row_id)).decode()
        except (binascii.Error, InvalidTag, UnicodeDecodeError, ValueError):
            raise ValueError(f"does not open under key {key_id!r} (damaged, or moved from another row)") from None

    def index(self, address: str) -> str:
        """The keyed hash that finds an address: whatever its case, never equal to the avatar."""
        return hmac.new(self.index_key[1], b"index:" + normalised(address).encode(), hashlib.sha256).hexdigest()

    def legacy_key(self, address: str) -> str:
        """The keyed hash readers' tables held before they were keyed by the index; '' without the secret."""
        return keyed_digest(self.legacy_secret, "reader", normalised(address)) if self.legacy_secret else ""

    def index_check(self) -> str:
        """Stored once: a different index key at the next start would silently find nothing."""
        return hmac.new(self.index_key[1], b"check", hashlib.sha256).hexdigest()


def _from_file(path: Path, make: str) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(make)
    return path.read_text().strip()


def load_sealer(data_keys: str, index_key: str, data_dir: Path, *, production: bool, legacy_secret: str = "") -> Sealer:
    """The configured keys; in development, missing ones come from (or are generated into) data_dir."""
    if production and not data_keys:
        raise SealingError("MODERATION_DATA_KEYS: required when MODERATION_ENV=production")
    if production and not index_key:
        raise SealingError("MODERATION_INDEX_KEY: required when MODERATION_ENV=production")
    if not data_keys:
        path = data_dir / "data_keys"
        data_keys = _from_file(path, new_key_text("k1"))
        log.warning("MODERATION_DATA_KEYS is not set: using the generated key in %s. Back it up.", path)
    if not index_key:
        path = data_dir / "index_key"
        index_key = _from_file(path, new_key_text("i1"))
        log.warning("MODERATION_INDEX_KEY is not set: using the generated key in %s. Back it up.", path)
    return Sealer(parse_data_keys(data_keys), parse_index_key(index_key), legacy_secret)
