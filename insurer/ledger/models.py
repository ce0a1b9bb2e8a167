"""The audit ledger: append-only, hash-chained events (PLT-4).

An event is inserted by insurer.ledger.services.append inside the transaction of the
change it records, so the two commit or roll back together; a trigger queues it in
PendingEvent in the same transaction. After that commit the chainer gives it its place in
the chain by inserting its ChainLink: the next sequence number, the previous event's hash
and its own (services.chain_pending). Chaining after commit is what lets concurrent
writers proceed without queueing on one lock for the length of their transactions, and
writing the link to a narrow table of its own means no event row is ever rewritten
(docs/decisions/0006-audit-ledger.md).

The database refuses every UPDATE and DELETE of events, links and checkpoints, and
TRUNCATE of them on PostgreSQL (triggers, migration 0005), on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        SENSITIVE_READ = "sensitive_read", _("Sensitive read")
        EXPORT = "export", _("Export")
        ACCESS = "access", _("Access")

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

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        default_permissions = ("view",)  # nobody adds, changes or deletes through Django
        permissions = [("verify_ledger", _("Can verify the audit ledger")),
                       ("export_ledger", _("Can export the audit ledger"))]  # fmt: skip
        indexes = [
            # One object's history, newest first (the auditor's "history" screen); the
            # screens order by id, which the chain's order follows within milliseconds.
            models.Index(fields=["object_type", "object_id", "-id"], name="ledger_object_id_idx"),
            models.Index(fields=["actor_id", "-id"], name="ledger_actor_id_idx"),
            models.Index(fields=["kind", "-id"], name="ledger_kind_id_idx"),
            models.Index(fields=["recorded_at"], name="ledger_time_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence or '…'} {self.action} {self.object_type}:{self.object_id}"

    # The event's place in the chain lives in its ChainLink (None until it is chained).
    # Screens load it with select_related("link").
    def _link(self) -> ChainLink | None:
        try:
            return self.link
        except ObjectDoesNotExist:
            return None

    @property
    def sequence(self) -> int | None:
        link = self._link()
        return link.sequence if link else None

    @property
    def prev_hash(self) -> str:
        link = self._link()
        return link.prev_hash if link else ""

    @property
    def hash(self) -> str:
        link = self._link()
        return link.hash if link else ""


class ChainLink(models.Model):
    """An event's place in the chain, written once by the chainer and never changed:
    hash = SHA-256(prev_hash || canonical(sequence and the event's content)).

    Insert-only and narrow (no event row is rewritten to chain it); ``sequence`` is the
    primary key, so it is unique, and the chainer keeps it gap-free under the head lock."""

    sequence = models.BigIntegerField(_("sequence"), primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="link", verbose_name=_("event"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")
        ordering = ["sequence"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"link #{self.sequence} → event {self.event_id}"


class PendingEvent(models.Model):
    """The chainer's queue: events committed and not chained yet. A database trigger adds
    every inserted event here, in the event's own transaction; the chainer removes the entry
    in the transaction that writes the link. No foreign key: the queue costs the writer as
    little as possible, and verification checks every event is either linked or queued."""

    event_id = models.BigIntegerField(primary_key=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"pending event {self.event_id}"


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
