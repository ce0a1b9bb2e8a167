"""``customers.signals.book_seeded`` → the planted cases' labels stored (services), then the
demo's rule-governance history (compliance.rules.demo)."""

from __future__ import annotations


def on_book_seeded(sender, *, size, seed, labels, watchlist=(), keep=False, **kwargs) -> None:
    from compliance.rules.demo import governance_history
    from compliance.rules.services import typology_labels_record

    typology_labels_record(size=size, seed=seed, keep=keep, labels=labels, watchlist=list(watchlist))
    governance_history(size=size)


def connect() -> None:
    from customers.signals import book_seeded

    book_seeded.connect(on_book_seeded, dispatch_uid="compliance_rules.book_seeded")
