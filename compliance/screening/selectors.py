"""Reads of screening and due diligence, through the permission chokepoint (restrict)."""

from __future__ import annotations

from compliance.screening.models import CustomerRiskRating, EddTask, ScreeningHit, Watchlist
from insurer.access import restrict


def hits_for(user):
    return restrict(ScreeningHit.objects.select_related("customer", "entry__watchlist", "reviewed_by"), user)


def hits_for_detail():
    return ScreeningHit.objects.select_related("customer", "entry__watchlist", "reviewed_by", "confirmed_by")


def watchlists_for(user):
    return restrict(Watchlist.objects.select_related("loaded_by"), user)


def ratings_for(user):
    return restrict(CustomerRiskRating.objects.select_related("customer"), user)


def edd_for(user):
    return restrict(EddTask.objects.select_related("customer", "completed_by"), user)


def customers_for_profile():
    from customers.models import Customer

    return Customer.objects.all()
