"""Chart specifications for the book-of-business dashboard panel.

The panel's context is customers.selectors.book_dashboard() (model rows); the charts need
plain series. Each spec is emitted with ``json_script`` (the CSP forbids inline scripts)
and drawn by insurer/static/insurer/charts.js, which knows nothing about insurance: it
reads ``kind``, ``categories``, ``series`` (name, data, type, axis) and ``axes`` (name,
format) or, for pies, ``items`` (name, value).
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from customers.models import Policy

register = template.Library()


def _money(value) -> float:
    return round(float(value or 0), 2)


def _rate_pct(numerator: int, denominator: int) -> float | None:
    # A month with no policy in force has no rate, not a rate of zero.
    return round(100.0 * numerator / denominator, 3) if denominator else None


def _month_charts(months) -> dict:
    categories = [m.month.strftime("%Y-%m") for m in months]
    count_axis = {"name": _("Policies"), "format": "count"}
    return {
        "premium": {
            "kind": "bar",
            "categories": categories,
            "axes": [{"name": _("CNY"), "format": "money"}],
            "series": [
                {
                    "name": _("Premium income"),
                    "type": "bar",
                    "axis": 0,
                    "data": [_money(m.premium_income) for m in months],
                }
            ],
        },
        "business": {
            "kind": "line",
            "categories": categories,
            "axes": [
                {"name": _("New policies"), "format": "count"},
                {"name": _("Policies in force"), "format": "count"},
            ],
            "series": [
                {"name": _("New policies"), "type": "line", "axis": 0, "data": [m.new_policies for m in months]},
                {
                    "name": _("Policies in force (month end)"),
                    "type": "line",
                    "axis": 1,
                    "data": [m.policies_in_force_end for m in months],
                },
            ],
        },
        "attrition": {
            "kind": "line",
            "categories": categories,
            "axes": [count_axis, {"name": _("Rate"), "format": "percent"}],
            "series": [
                {"name": _("Surrenders"), "type": "line", "axis": 0, "data": [m.surrenders for m in months]},
                {"name": _("Lapses"), "type": "line", "axis": 0, "data": [m.lapses for m in months]},
                {
                    "name": _("Surrender rate (per cent of in force)"),
                    "type": "line",
                    "axis": 1,
                    "dashed": True,
                    "data": [_rate_pct(m.surrenders, m.policies_in_force_end) for m in months],
                },
                {
                    "name": _("Lapse rate (per cent of in force)"),
                    "type": "line",
                    "axis": 1,
                    "dashed": True,
                    "data": [_rate_pct(m.lapses, m.policies_in_force_end) for m in months],
                },
            ],
        },
    }


def _mix_chart(figures, labels: dict | None = None, donut: bool = False) -> dict:
    # Channel and status labels are translated now (the stored label is in the language
    # of whoever refreshed the figures); product names are data and shown as stored.
    return {
        "kind": "pie",
        "donut": donut,
        "format": "count",
        "items": [
            {
                "name": str(labels.get(f.key, f.label)) if labels else f.label,
                "value": f.policies,
                "premium": _money(f.annual_premium),
            }
            for f in figures
        ],
    }


@register.simple_tag
def book_charts(months, mixes) -> dict:
    charts = _month_charts(months)
    charts["product_mix"] = _mix_chart(mixes.get("product", []))
    charts["channel_mix"] = _mix_chart(mixes.get("channel", []), dict(Policy.Channel.choices), donut=True)
    return charts
