"""The table region of the big book tables (headers, rows, pagination), built in Python.

What customers/partials/table_region.html with insurer/partials/sortable_th.html and
insurer/partials/pagination.html render, for the customer, policy and transaction tables:
a dozen ``{% querystring %}`` and inclusion tags per page cost ~3 ms of a ~30 ms request.
The HTML is the same as the templates' up to runs of whitespace (the tests render both and
compare); every value is escaped (``html.escape``, as the template's autoescape does), and
every link keeps the request's other query parameters exactly as ``{% querystring %}`` does.
The product table and other apps' pages keep using the templates.

Also here: the filter form's HTML, cached in the process per page, query and language (it
depends on nothing else), instead of a cache-server round trip per page view.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from html import escape

from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from insurer import pagination
from insurer.templatetags.insurer_ui import PAGE_SIZES, num


def querystring(query: QueryDict, **changes) -> str:
    """``{% querystring key=value key=None %}`` (Django's tag), HTML-escaped as the tag's
    output is: set or drop parameters and keep the others in their order."""
    params = query.copy()
    for key, value in changes.items():
        if value is None:
            if key in params:
                del params[key]
        else:
            params[key] = value
    if not params and not query:
        return ""
    return escape(f"?{params.urlencode()}")


def header_cells(query: QueryDict, columns) -> str:
    """The ``<th>``s of ``columns`` (was ``{% sortable_th %}``): a sortable column links to
    its order (a second click reverses it) and says how the table is sorted now."""
    current = query.get("ordering", "")
    cells = []
    for column in columns:
        field, label = column.sort, escape(str(column.label))
        direction = "ascending" if current == field else "descending" if field and current == f"-{field}" else ""
        attrs = (' class="text-end"' if column.numeric else "") + (f' aria-sort="{direction}"' if direction else "")
        if field:
            next_ordering = f"-{field}" if current == field else field
            note = ""
            if direction == "ascending":
                note = f'<span class="visually-hidden"> {escape(_("(sorted ascending)"))}</span>'
            elif direction == "descending":
                note = f'<span class="visually-hidden"> {escape(_("(sorted descending)"))}</span>'
            sorted_class = f" sorted-{direction}" if direction else ""
            href = querystring(query, ordering=next_ordering, page=None)
            content = (
                f'<a class="sort-link{sorted_class}" href="{href}">{label}'
                f'<span class="sort-indicator" aria-hidden="true"></span>{note}</a>'
            )
        else:
            content = label
        cells.append(f'<th scope="col"{attrs}>{content}</th>\n')
    return "".join(cells)


def footer(query: QueryDict, page_obj, page_range, *, show_page_size: bool = True) -> str:
    """Row counts, page links and page sizes (was insurer/partials/pagination.html)."""
    paginator = page_obj.paginator
    if paginator.count_is_capped:
        status = _("Rows %(start)s–%(end)s of %(cap)s+ (refine the filters to narrow the list)") % {
            "start": escape(num(page_obj.start_index())),
            "end": escape(num(page_obj.end_index())),
            "cap": escape(num(pagination.COUNT_CAP)),
        }
    elif paginator.count:
        status = _("Rows %(start)s–%(end)s of %(total)s") % {
            "start": escape(num(page_obj.start_index())),
            "end": escape(num(page_obj.end_index())),
            "total": escape(num(paginator.count)),
        }
    else:
        status = escape(_("No rows match."))
    parts = [
        '<div class="d-flex flex-wrap align-items-center justify-content-between gap-2 mt-2 table-footer">\n'
        f'  <p class="text-body-secondary small mb-0" aria-live="polite">\n    {status}\n  </p>\n'
    ]
    if paginator.num_pages > 1:
        previous, following = escape(_("Previous")), escape(_("Next"))
        items = []
        if page_obj.has_previous():
            href = querystring(query, page=page_obj.previous_page_number())
            items.append(f'<li class="page-item"><a class="page-link" href="{href}" rel="prev">{previous}</a></li>')
        else:
            items.append(f'<li class="page-item disabled"><span class="page-link">{previous}</span></li>')
        for number in page_range:
            if number == paginator.ELLIPSIS:
                items.append('<li class="page-item disabled"><span class="page-link">…</span></li>')
            elif number == page_obj.number:
                items.append(
                    f'<li class="page-item active" aria-current="page"><span class="page-link">{number}</span></li>'
                )
            else:
                href = querystring(query, page=number)
                items.append(f'<li class="page-item"><a class="page-link" href="{href}">{number}</a></li>')
        if page_obj.has_next():
            href = querystring(query, page=page_obj.next_page_number())
            items.append(f'<li class="page-item"><a class="page-link" href="{href}" rel="next">{following}</a></li>')
        else:
            items.append(f'<li class="page-item disabled"><span class="page-link">{following}</span></li>')
        links = "\n      ".join(items)
        parts.append(
            f'  <nav aria-label="{escape(_("Pages"))}">\n    <ul class="pagination pagination-sm mb-0">\n'
            f"      {links}\n    </ul>\n  </nav>\n"
        )
    if show_page_size:
        raw = query.get("page_size", "")
        current = int(raw) if raw.isdigit() and int(raw) in PAGE_SIZES else PAGE_SIZES[0]
        sizes = []
        for size in PAGE_SIZES:
            if size == current:
                sizes.append(f'<strong class="ms-1" aria-current="true">{size}</strong>')
            else:
                sizes.append(f'<a class="ms-1" href="{querystring(query, page_size=size, page=None)}">{size}</a>')
        choices = "\n    ".join(sizes)
        parts.append(
            f'  <div class="small text-body-secondary">\n    {escape(_("Rows per page:"))}\n    {choices}\n  </div>\n'
        )
    parts.append("</div>\n")
    return "".join(parts)


def table_region(
    request, page, *, filterset, page_obj, page_range, rows_html: str, can_export: bool, export_url: str
) -> SafeString:
    """The whole ``#table-region`` (was customers/partials/table_region.html)."""
    query = request.GET
    alert = ""
    if filterset.errors:
        alert = (
            '<div class="alert alert-warning py-2" role="alert">'
            f"{escape(_('Some filters are not valid; correct them to see rows.'))}</div>\n"
        )
    export = ""
    if can_export:
        export = (
            f'  <a class="btn btn-sm btn-outline-primary" href="{escape(export_url)}" download '
            f'data-testid="export-csv">{escape(_("Export CSV"))}</a>\n'
        )
    table_class = "table table-sm table-hover table-striped align-middle mb-0 table-data"
    html = f"""{alert}<div class="d-flex justify-content-end mb-2">
{export}</div>
<div class="card">
  <div class="table-responsive">
    <table class="{table_class}" data-table="{escape(page.key)}">
      <caption class="px-3" tabindex="-1">{escape(str(page.caption))}</caption>
      <thead class="table-light" hx-boost="true" hx-target="#table-region" hx-push-url="true">
        <tr>
          {header_cells(query, page.columns)}
        </tr>
      </thead>
      <tbody>
        {rows_html}
      </tbody>
    </table>
  </div>
</div>
<div hx-boost="true" hx-target="#table-region" hx-push-url="true">
{footer(query, page_obj, page_range)}
</div>
"""
    return mark_safe(html)  # noqa: S308 (every value is escaped where it is put in)


class _FormCache:
    """A small per-process LRU with expiry for the filter forms' HTML."""

    def __init__(self, size: int = 256, seconds: float = 300):
        self.size, self.seconds = size, seconds
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + self.seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


FILTER_FORMS = _FormCache()


def filter_form(request, page, filterset) -> SafeString:
    """The filter form's HTML. It depends only on the page, the query and the language (no
    choice list comes from the database), so it is rendered once per process and reused
    for five minutes; rendering its widgets costs more than the rest of the page."""
    key = (page.key, request.path, request.GET.urlencode(), get_language())
    html = FILTER_FORMS.get(key)
    if html is None:
        html = render_to_string("customers/partials/filter_form.html", {"filter": filterset, "request": request})
        FILTER_FORMS.put(key, html)
    return mark_safe(html)  # noqa: S308 (rendered by the template engine, autoescaped)
