"""Small, domain-free helpers the page templates share: the signed-in user's roles, sortable
table headers and page-size links. Domain apps pass plain values in; nothing here imports
them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from insurer.access.grants import role_codes
from insurer.roles import BY_CODE

register = template.Library()

PAGE_SIZES = (25, 50, 100)


@register.simple_tag
def user_roles(user) -> list[str]:
    """Names of the roles the user holds today (their grants in force, insurer.access)."""
    if not getattr(user, "is_authenticated", False):
        return []
    names = [str(BY_CODE[code].name) for code in role_codes(user)]
    if not names and user.is_superuser:
        names.append(_("Superuser"))
    return names


def _current_ordering(request) -> str:
    return request.GET.get("ordering", "") if request is not None else ""


@register.inclusion_tag("insurer/partials/sortable_th.html", takes_context=True)
def sortable_th(context, label, field: str | None = None, numeric: bool = False):
    """A column header; when ``field`` is given, a link that sorts by it (a second click
    reverses), with aria-sort telling assistive technology the current order."""
    current = _current_ordering(context.get("request"))
    direction = "ascending" if current == field else "descending" if field and current == f"-{field}" else ""
    next_ordering = f"-{field}" if current == field else field
    return {
        "request": context.get("request"),
        "label": label,
        "field": field,
        "numeric": numeric,
        "direction": direction,
        "next_ordering": next_ordering,
    }


@register.simple_tag(takes_context=True)
def page_size_choices(context) -> list[dict]:
    request = context.get("request")
    raw = request.GET.get("page_size", "") if request is not None else ""
    current = int(raw) if raw.isdigit() and int(raw) in PAGE_SIZES else PAGE_SIZES[0]
    return [{"size": size, "current": size == current} for size in PAGE_SIZES]


@register.simple_tag(takes_context=True)
def render_panel(context, panel: dict):
    """Render a dashboard panel's template with the panel's own dict as its context (the
    keys its app's context function returned), on top of the page context (user, perms)."""
    panel_template = context.template.engine.get_template(panel["template"])
    with context.push(**panel):
        return panel_template.render(context)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, None when absent."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@lru_cache(maxsize=512)
def _choice_labels(model, field_name: str, language: str) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


@register.filter
def choice_label(obj, field_name: str):
    """``obj.get_<field>_display()`` without its per-call cost: Django rebuilds and hashes
    the whole choice list (translating every label) on each call, which on a 100-row table
    is thousands of translations per page. Labels are cached per model, field and language."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name, get_language()).get(value, value)


_REF = "__ref__"


@lru_cache(maxsize=64)
def _url_pattern(url_name: str) -> tuple[str, str]:
    head, _sep, tail = reverse(url_name, args=[_REF]).partition(_REF)
    return head, tail


@register.simple_tag
def ref_url(url_name: str, ref) -> str:
    """``{% url url_name ref %}`` for a one-argument route, without resolving the route on
    every row of a table (a 100-row page would reverse a few hundred URLs)."""
    head, tail = _url_pattern(url_name)
    return f"{head}{quote(str(ref), safe='')}{tail}"


@register.simple_tag
def count_cap() -> int:
    """The row count past which tables say "N+" (insurer.pagination.COUNT_CAP)."""
    from insurer import pagination

    return pagination.COUNT_CAP


@register.filter
def num(value, places: int = 0) -> str:
    """A number grouped by thousands with a comma, in every language: Chinese financial
    statements group by three too, while Django's zh-hans format has no separator."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{number:,.{int(places)}f}"
