"""The body rows of the three big book tables, built in Python.

The Django template engine resolves every ``{{ }}`` and tag of every cell through its
variable lookup, filter and autoescape machinery: for 25 rows of 11 cells that was a third
of a list page's CPU (bench ``web.policies``: ~15 ms of ~44 ms). These functions produce
the same HTML, byte for byte, as the templates they replaced (kept as
``customers/partials/rows_*.html``, the reference the tests compare against), with the
same escaping: every value goes through ``html.escape`` (what ``django.utils.html.escape``
and the template's autoescape do to a plain string), URLs through ``ref_url``.

Everything that does not depend on the row (permissions, labels, URL patterns, the time
zone) is looked up once per page, not per cell.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from urllib.parse import quote

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from customers.models import Customer, Policy, PolicyTransaction
from insurer.templatetags.insurer_ui import num, ref_url

DASH = "—"


@lru_cache(maxsize=128)
def _labels(model, field_name: str, language: str) -> dict:
    """Escaped choice labels of ``model.field_name`` in ``language`` (labels are lazy
    translations: resolving them per cell is what made ``get_FOO_display`` slow)."""
    return {value: escape(str(label)) for value, label in model._meta.get_field(field_name).flatchoices}


def _labeller(model, field_name: str):
    """value -> escaped label, as ``choice_label`` shows it (an unknown value as itself)."""
    labels = _labels(model, field_name, get_language())

    def label(value) -> str:
        found = labels.get(value)
        return found if found is not None else escape(str(value))

    return label


@lru_cache(maxsize=16)
def _url_parts(url_name: str) -> tuple[str, str]:
    """The escaped text around a ref in ``url_name``'s path, e.g. ('/book/policies/', '/')."""
    marker = "\x00"
    head, _sep, tail = ref_url(url_name, marker).partition("%00")
    return escape(head), escape(tail)


def _url(parts: tuple[str, str], ref) -> str:
    # Quoted like ref_url (safe=""): nothing left in the ref needs HTML escaping.
    return f"{parts[0]}{quote(str(ref), safe='')}{parts[1]}"


def _empty(message: str, columns: int) -> SafeString:
    return _tbody(
        [f'\n<tr><td colspan="{columns}" class="text-center text-body-secondary py-4">{escape(message)}</td></tr>\n']
    )


def _tbody(rows: list[str]) -> SafeString:
    # The blank lines the templates' {% load %}/{% with %} lines left, so pages stay byte-identical.
    return mark_safe("\n\n" + "".join(rows) + "\n\n")  # noqa: S308 (every value is escaped where it is put in)


def _date(value) -> str:
    """``{{ value|date:"Y-m-d" }}``: "" for None."""
    return "" if value is None else f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _party(url_parts, can_open: bool, ref, name) -> str:
    """A customer's name, linked to their page when the viewer may open it; — for none."""
    if ref is None:
        return DASH
    if can_open:
        return f'<a href="{_url(url_parts, ref)}">{escape(name)}</a>'
    return escape(name)


POLICY_FIELDS = (
    "policy_ref", "product__name", "product__product_code", "policyholder__customer_ref", "policyholder__name",
    "insured__customer_ref", "insured__name", "issue_date", "status", "sum_assured", "annual_premium",
    "payment_frequency", "channel", "agent_code",
)  # fmt: skip


def policy_rows(rows, *, columns: int, can_open_customer: bool) -> SafeString:
    """``<tr>``s of the policy table (was customers/partials/rows_policies.html). ``rows``
    is the page's queryset: only the shown columns are read, as tuples."""
    policy_url, customer_url = _url_parts("customers:policy_detail"), _url_parts("customers:customer_detail")
    status, frequency, channel = (_labeller(Policy, f) for f in ("status", "payment_frequency", "channel"))
    out = []
    for (ref, product_name, product_code, holder_ref, holder_name, insured_ref, insured_name, issue_date,
         status_value, sum_assured, annual_premium, frequency_value, channel_value, agent_code) in rows.values_list(
        *POLICY_FIELDS
    ):  # fmt: skip
        out.append(
            f"""
<tr>
  <td><a href="{_url(policy_url, ref)}">{escape(ref)}</a></td>
  <td><span title="{escape(product_name)}">{escape(product_code)}</span></td>
  <td>{_party(customer_url, can_open_customer, holder_ref, holder_name)}</td>
  <td>{_party(customer_url, can_open_customer, insured_ref, insured_name)}</td>
  <td>{_date(issue_date)}</td>
  <td data-status="{escape(status_value)}">{status(status_value)}</td>
  <td class="num">{escape(num(sum_assured))}</td>
  <td class="num">{escape(num(annual_premium, 2))}</td>
  <td>{frequency(frequency_value)}</td>
  <td data-channel="{escape(channel_value)}">{channel(channel_value)}</td>
  <td>{escape(agent_code) if agent_code else DASH}</td>
</tr>
"""
        )
    if not out:
        return _empty(_("No policies match these filters."), columns)
    return _tbody(out)


TRANSACTION_FIELDS = (
    "txn_ref", "timestamp", "policy__policy_ref", "kind", "amount", "currency", "method", "payer__customer_ref",
    "payer__name", "payee__customer_ref", "payee__name", "counterparty_country",
)  # fmt: skip


def transaction_rows(rows, *, columns: int, can_open_customer: bool, can_open_policy: bool) -> SafeString:
    """``<tr>``s of the transaction table (was customers/partials/rows_transactions.html)."""
    policy_url, customer_url = _url_parts("customers:policy_detail"), _url_parts("customers:customer_detail")
    kind, method = _labeller(PolicyTransaction, "kind"), _labeller(PolicyTransaction, "method")
    zone = timezone.get_current_timezone()
    out = []
    for (txn_ref, when, policy_ref, kind_value, amount, currency, method_value, payer_ref, payer_name, payee_ref,
         payee_name, country) in rows.values_list(*TRANSACTION_FIELDS):  # fmt: skip
        if can_open_policy:
            policy = f'<a href="{_url(policy_url, policy_ref)}">{escape(policy_ref)}</a>'
        else:
            policy = escape(policy_ref)
        if when is not None and timezone.is_aware(when):
            when = when.astimezone(zone)  # what the template's |date did (template_localtime)
        stamp = "" if when is None else f"{_date(when)} {when.hour:02d}:{when.minute:02d}"
        out.append(
            f"""
<tr>
  <td>{escape(txn_ref)}</td>
  <td>{stamp}</td>
  <td>{policy}</td>
  <td data-kind="{escape(kind_value)}">{kind(kind_value)}</td>
  <td class="num">{escape(num(amount, 2))} <span class="text-body-secondary small">{escape(currency)}</span></td>
  <td>{method(method_value)}</td>
  <td>{_party(customer_url, can_open_customer, payer_ref, payer_name)}</td>
  <td>{_party(customer_url, can_open_customer, payee_ref, payee_name)}</td>
  <td>{escape(country) if country else DASH}</td>
</tr>
"""
        )
    if not out:
        return _empty(_("No transactions match these filters."), columns)
    return _tbody(out)


CUSTOMER_FIELDS = (
    "customer_ref", "name", "kind", "id_number_masked", "birth_date", "phone_masked", "annual_income", "risk_rating",
)  # fmt: skip


def customer_rows(rows, *, columns: int) -> SafeString:
    """``<tr>``s of the customer table (was customers/partials/rows_customers.html). Only
    the precomputed masks of ID and phone numbers are read (never the ciphertexts)."""
    customer_url = _url_parts("customers:customer_detail")
    kind, risk = _labeller(Customer, "kind"), _labeller(Customer, "risk_rating")
    out = []
    for ref, name, kind_value, id_masked, birth_date, phone_masked, income, risk_rating in rows.values_list(
        *CUSTOMER_FIELDS
    ):
        out.append(
            f"""
<tr>
  <td><a href="{_url(customer_url, ref)}">{escape(ref)}</a></td>
  <td>{escape(name)}</td>
  <td>{kind(kind_value)}</td>
  <td class="masked">{escape(id_masked)}</td>
  <td>{_date(birth_date) or DASH}</td>
  <td class="masked">{escape(phone_masked) if phone_masked else DASH}</td>
  <td class="num">{DASH if income is None else escape(num(income))}</td>
  <td>{risk(risk_rating) if risk_rating else DASH}</td>
</tr>
"""
        )
    if not out:
        return _empty(_("No customers match these filters."), columns)
    return _tbody(out)
