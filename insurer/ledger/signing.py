"""Ed25519 signing of checkpoints. The private key (32-byte seed, base64) comes from
INSURER_LEDGER_SIGNING_KEY; the public key is what the audit committee keeps."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


@lru_cache(maxsize=4)
def _private_key(seed_b64: str) -> Ed25519PrivateKey:
    seed = base64.b64decode(seed_b64)
    if len(seed) != 32:
        raise ValueError(f"INSURER_LEDGER_SIGNING_KEY must be 32 bytes (base64), got {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key() -> Ed25519PrivateKey:
    return _private_key(settings.INSURER_LEDGER_SIGNING_KEY)


def public_key_b64(key: Ed25519PublicKey | None = None) -> str:
    key = key or private_key().public_key()
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def fingerprint(public_b64: str | None = None) -> str:
    return hashlib.sha256((public_b64 or public_key_b64()).encode()).hexdigest()[:32]


def sign(message: bytes) -> str:
    return base64.b64encode(private_key().sign(message)).decode()


def verify(message: bytes, signature_b64: str, public_b64: str | None = None) -> bool:
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64 or public_key_b64()))
    try:
        public.verify(base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True
