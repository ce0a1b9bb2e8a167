"""The audit ledger: append-only, hash-chained events (PLT-4).

An event is inserted by insurer.ledger.services.append inside the transaction of the
change it records, so the two commit or roll back together. Right after that commit the
chainer gives it its place in the chain: the next sequence number, the previous event's
hash and its own (services.chain_pending, also swept every minute). Chaining after commit
is what lets concurrent writers proceed without queueing on one lock for the length of
their transactions (docs/decisions/0006-audit-ledger.md).

The database refuses DELETE and TRUNCATE, and any UPDATE except the chainer's one-time
filling of sequence/prev_hash/hash on an unchained row with its content unchanged
(triggers, migration 0003), on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        SENSITIVE_READ = "sensitive_read", _("Sensitive read")
        EXPORT = "export", _("Export")
        ACCESS = "access", _("Access")

    sequence = models.BigIntegerField(_("sequence"), unique=True, null=True, blank=True)  # None: not yet chained
    recorded_at = models.DateTimeField(_("recorded at"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    # Frozen at the time: a later rename or role change does not rewrite history.
    actor_name = models.CharField(_("actor"), max_length=150)
    actor_roles = models.JSONField(_("roles held"), default=list)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=120, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict)  # {"before": {...}, "after": {...}, ...}
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    source_address = models.CharField(_("source address"), max_length=45, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        default_permissions = ("view",)  # nobody adds, changes or deletes through Django
        permissions = [("verify_ledger", _("Can verify the audit ledger")),
                       ("export_ledger", _("Can export the audit ledger"))]  # fmt: skip
        indexes = [
            # One object's history, newest first (the auditor's "history" screen).
            models.Index(fields=["object_type", "object_id", "-sequence"], name="ledger_object_idx"),
            models.Index(fields=["actor_id", "-sequence"], name="ledger_actor_idx"),
            models.Index(fields=["kind", "-sequence"], name="ledger_kind_idx"),
            models.Index(fields=["recorded_at"], name="ledger_time_idx"),
            # The chainer's queue: the few rows not yet chained, in insertion order.
            models.Index(fields=["id"], name="ledger_unchained_idx", condition=models.Q(hash="")),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence or '…'} {self.action} {self.object_type}:{self.object_id}"


class ChainHead(models.Model):
    """One row: the last sequence and hash. Appenders lock it (SELECT ... FOR UPDATE), so
    concurrent writers queue and the chain never forks."""

    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"head #{self.sequence}"


class Checkpoint(models.Model):
    """A signed statement "the chain's event #sequence has hash H", taken on a schedule.

    Signed with Ed25519 (INSURER_LEDGER_SIGNING_KEY). Copies kept outside the database by
    the audit committee detect even a wholesale rewrite of the chain.
    """

    sequence = models.BigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    key_fingerprint = models.CharField(_("key fingerprint"), max_length=64)
    signature = models.CharField(_("signature"), max_length=128)

    class Meta:
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")
        ordering = ["-sequence"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"checkpoint #{self.sequence}"

    def statement(self) -> bytes:
        return statement(self.sequence, self.hash, self.signed_at)


def statement(sequence: int, chain_hash: str, signed_at) -> bytes:
    """The exact bytes signed: readable, so an auditor can check it with any Ed25519 tool."""
    from insurer.ledger.chain import timestamp_text

    return f"insurer-ledger-checkpoint|{sequence}|{chain_hash}|{timestamp_text(signed_at)}".encode()
