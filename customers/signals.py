"""Signals of the book of business, so other apps can react without customers importing them.

``book_seeded`` is sent by ``seed_demo`` (customers.demo.runner.seed_demo) once the demo book
is written to the database and committed (not for ``--csv-only``). Receivers run in the
seeding process, after the book's own transaction; a receiver that writes should do so in its
own ``transaction.atomic()``.

Keyword arguments sent with it (plain Python values only: no model instances, no numpy):

- ``size``: "small" | "medium" | "large" (customers.demo.params.SIZES)
- ``seed``: int, the generator's seed
- ``keep``: bool, True when the book was added to the existing rows (``--keep``) rather than
  replacing them (a receiver keeping data about the book replaces it only when False)
- ``labels``: list of dicts, one per planted AML case (customers/demo/typologies.py)::

      {"typology": "L01", "customer_ref": "C00000123", "policy_ref": "P000000456",
       "txn_refs": ["T0000001234", ...], "detail": {...}}

  ``txn_refs`` may be empty for state typologies (L12 opaque ownership, L13 screening hit).
  A customer or policy can appear in several labels (e.g. L10 labels every linked policy).
  ``detail`` holds recipe facts (L10 ``shared``: "address" | "phone"; L13 ``entry_id``).
- ``watchlist``: list of dicts, the watch-list entries planted for L13 (screening hit): each
  names a customer of the book (the labelled policyholder), so screening that customer
  against these entries gives the hit L13 needs. A screening app may store them on a list
  and add name variants of them::

      {"entry_id": "DEMO-L13-00001", "name": "王伟", "aliases": "", "birth_date": "1980-05-01",
       "id_number": "", "country": "CN", "list": "sanctions" | "pep", "program": "demo",
       "customer_ref": "C00000123"}

The sender is the string "seed_demo".
"""

from __future__ import annotations

from django.dispatch import Signal

book_seeded = Signal()
