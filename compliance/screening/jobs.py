"""Job kinds (insurer.jobs) of screening and due diligence.

- ``aml_rescreen``: screen the book against the entries a list load added or changed (or
  against every entry on the lists), in chunks of customers that any worker may take. Writes
  are idempotent upserts keyed by (customer, entry), so a chunk that runs twice changes
  nothing the second time.
- ``aml_risk_rating``: recompute every customer's risk rating with its reasons (one chunk:
  the engine rates the whole book in one vectorised pass).
"""

from __future__ import annotations

from django import forms
from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from insurer.jobs import registry

VERSION = "1.0"


class RescreenForm(forms.Form):
    watchlist = forms.IntegerField(label=_("Watch list (id; empty: every list)"), required=False, min_value=1)
    version = forms.IntegerField(label=_("Only entries changed in this version"), required=False, min_value=1)
    chunk_size = forms.IntegerField(
        label=_("Customers per chunk"), required=False, min_value=100, max_value=100_000, initial=5_000
    )

    def clean_chunk_size(self):
        return self.cleaned_data.get("chunk_size") or 5_000


def _entries(parameters: dict):
    from compliance.screening.models import WatchlistEntry

    entries = WatchlistEntry.objects.filter(active=True)
    if parameters.get("watchlist"):
        entries = entries.filter(watchlist_id=parameters["watchlist"])
        if parameters.get("version"):
            entries = entries.filter(changed_in_version=parameters["version"])
    return entries


def rescreen_split(parameters: dict) -> list[dict]:
    from customers.models import Customer

    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    size = parameters.get("chunk_size") or 5_000
    return [{"first": ids[i], "last": ids[min(i + size, len(ids)) - 1]} for i in range(0, len(ids), size)]


def rescreen_chunk(parameters: dict, spec: dict) -> dict:
    from compliance.screening.services import customers_screen
    from customers.models import Customer

    customers = Customer.objects.filter(pk__gte=spec["first"], pk__lte=spec["last"])
    full = not parameters.get("watchlist")
    return customers_screen(customers=customers, entries=_entries(parameters), full=full)


def sum_counts(parameters: dict, results: list[dict]) -> dict:
    out: dict = {}
    for r in results:
        for k, v in r.items():
            out[k] = out.get(k, 0) + v
    return out


def rescreen_fingerprint(parameters: dict) -> dict:
    from compliance.screening.models import WatchlistEntry
    from customers.models import Customer

    return {
        "customers": Customer.objects.aggregate(n=Count("id"), changed=Max("updated_at")),
        "entries": WatchlistEntry.objects.filter(active=True).aggregate(n=Count("id"), v=Max("changed_in_version")),
        "version": VERSION,
    }


def rating_split(parameters: dict) -> list[dict]:
    return [{"book": True}]


def rating_chunk(parameters: dict, spec: dict) -> dict:
    from compliance.screening.services import ratings_refresh

    return ratings_refresh()


def register() -> None:
    registry.register(
        registry.JobKind(
            name="aml_rescreen",
            version=VERSION,
            verbose_name=_("AML: re-screen the book against the watch lists"),
            description=_(
                "Screens every customer against the entries a list load added or changed (or against "
                "every entry) and stores the hits for review."
            ),
            permission="compliance_screening.run_screening",
            form=RescreenForm,
            split=rescreen_split,
            run_chunk=rescreen_chunk,
            reduce=sum_counts,
            input_fingerprint=rescreen_fingerprint,
        )
    )
    registry.register(
        registry.JobKind(
            name="aml_risk_rating",
            version=VERSION,
            verbose_name=_("AML: recompute customer risk ratings"),
            description=_(
                "Rates every customer (jurisdiction, occupation, product, channel, PEP, payment methods, "
                "amounts, ownership) with reasons, sets review dates and opens EDD for high risk."
            ),
            permission="compliance_screening.run_screening",
            split=rating_split,
            run_chunk=rating_chunk,
            reduce=sum_counts,
        )
    )
