"""Key rotation for the personal information at rest.

``pii_rotate`` re-encrypts every customer's ID and phone number under the keyring's
current key and recomputes their blind indexes under the current blind-index key. Run it
after putting a new key first in INSURER_PII_KEYS (and/or changing
INSURER_BLIND_INDEX_KEY); when it reports nothing left under the old key id, the old key
can leave the keyring. Works in batches, each its own transaction, so it can be stopped and
run again: a row already under the current key is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from customers.models import Customer
from insurer import audit, crypto

BATCH = 2000


@dataclass
class RotationResult:
    examined: int = 0
    reencrypted: int = 0
    reindexed: int = 0
    remaining_under_old_keys: int = 0


def _rotate_batch(rows: list[Customer], current_kid: str, result: RotationResult) -> None:
    changed = []
    for c in rows:
        id_number = crypto.decrypt(c.id_number_ciphertext, "id_number")
        phone = crypto.decrypt(c.phone_ciphertext, "phone") if c.phone_ciphertext else ""
        new_digests = (crypto.blind_index(id_number, "id_number"), crypto.blind_index(phone, "phone") if phone else "")
        stale_key = crypto.key_id(c.id_number_ciphertext) != current_kid or (
            phone and crypto.key_id(c.phone_ciphertext) != current_kid
        )
        stale_index = new_digests != (c.id_number_digest, c.phone_digest)
        if not (stale_key or stale_index):
            continue
        if stale_key:
            c.id_number_ciphertext = crypto.encrypt(id_number, "id_number")
            c.phone_ciphertext = crypto.encrypt(phone, "phone") if phone else ""
            result.reencrypted += 1
        if stale_index:
            c.id_number_digest, c.phone_digest = new_digests
            result.reindexed += 1
        changed.append(c)
    fields = ["id_number_ciphertext", "phone_ciphertext", "id_number_digest", "phone_digest"]
    Customer.objects.bulk_update(changed, fields, batch_size=500)


def pii_rotate(*, actor=None) -> RotationResult:
    """Bring every customer's PII under the current keys. Operator command: no role check
    (it needs shell access to the servers and the keys), audited as one change event."""
    current_kid = crypto.keyring().current_kid
    result = RotationResult()
    fields = ("id", "id_number_ciphertext", "phone_ciphertext", "id_number_digest", "phone_digest")
    last_id = 0
    while True:
        with transaction.atomic():
            rows = list(Customer.objects.filter(id__gt=last_id).order_by("id").only(*fields)[:BATCH])
            if not rows:
                break
            _rotate_batch(rows, current_kid, result)
        result.examined += len(rows)
        last_id = rows[-1].id
    result.remaining_under_old_keys = Customer.objects.exclude(
        id_number_ciphertext__startswith=f"{current_kid}$"
    ).count()
    audit.record_change(actor=actor, action="pii_rotate", obj_type="customers.customer", obj_id="*",
                        detail={"current_key": current_kid, **result.__dict__})  # fmt: skip
    return result
