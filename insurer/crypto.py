"""Personal information at rest: AES-256-GCM encryption with a keyring, a keyed blind index
for exact lookup, and masks for display (PIPL: show only what the viewer needs).

Token layout: ``<kid>$<base64(nonce | ciphertext+tag)>``. The field name is bound as
associated data, so a ciphertext copied from one field into another does not decrypt.
The blind index is HMAC-SHA256 under a separate key: equal inputs give equal digests, so
``WHERE id_number_digest = %s`` finds a customer without decrypting the table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


class KeyringError(ValueError):
    pass


@dataclass(frozen=True)
class Keyring:
    current_kid: str
    keys: dict[str, AESGCM]


def parse_keyring(spec: str) -> Keyring:
    keys: dict[str, AESGCM] = {}
    first = None
    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        kid, sep, b64 = part.partition(":")
        if not sep or not kid or "$" in kid:
            raise KeyringError(f"PII key entry {kid or part!r} must look like 'kid:base64key'")
        raw = base64.b64decode(b64)
        if len(raw) != 32:
            raise KeyringError(f"PII key {kid!r} must be 32 bytes (AES-256), got {len(raw)}")
        keys[kid] = AESGCM(raw)
        first = first or kid
    if not first:
        raise KeyringError("INSURER_PII_KEYS holds no key")
    return Keyring(first, keys)


@lru_cache(maxsize=4)
def _keyring(spec: str) -> Keyring:
    return parse_keyring(spec)


def keyring() -> Keyring:
    return _keyring(settings.INSURER_PII_KEYS)


def encrypt(plaintext: str, field: str) -> str:
    ring = keyring()
    nonce = os.urandom(12)
    sealed = ring.keys[ring.current_kid].encrypt(nonce, plaintext.encode(), field.encode())
    return f"{ring.current_kid}${base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, field: str) -> str:
    kid, _, body = token.partition("$")
    ring = keyring()
    if kid not in ring.keys:
        raise KeyringError(f"no key {kid!r} in INSURER_PII_KEYS to decrypt {field}")
    raw = base64.b64decode(body)
    return ring.keys[kid].decrypt(raw[:12], raw[12:], field.encode()).decode()


def key_id(token: str) -> str:
    return token.partition("$")[0]


def blind_index(value: str, field: str) -> str:
    key = settings.INSURER_BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def mask_id_number(value: str) -> str:
    """110105********123X: the region and the last four, as ID photocopies are masked."""
    if len(value) <= 6:
        return "*" * len(value)
    keep_head = 6 if len(value) >= 15 else 2
    return value[:keep_head] + "*" * (len(value) - keep_head - 4) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    digits = value
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


@dataclass(frozen=True)
class SealedValue:
    ciphertext: str
    digest: str
    masked: str


def seal(value: str, field: str, mask) -> SealedValue:
    if not value:
        return SealedValue("", "", "")
    return SealedValue(encrypt(value, field), blind_index(value, field), mask(value))
