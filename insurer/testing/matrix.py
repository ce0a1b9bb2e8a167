"""The permission-matrix suite's vocabulary (PLT-3): every page and API endpoint registers
an Endpoint in its app's ``tests/matrix.py``; tests/test_permission_matrix.py runs each one
for every persona of the role catalogue and checks the outcome the catalogue implies:

- a read: allowed roles get 200; others get 403 (lists, pages) or 404 (one object);
- a write: allowed roles pass the permission check (not 401/403/404); every other role,
  and every read-only oversight role whatever it holds, gets 403 (or 404 out of scope);
- anonymous: sent to the login page (pages) or 401/403 (API);
- out of scope (``scoped_url``): the same endpoint on an object that belongs to the world's
  ``scope_home`` department: every role allowed company-wide gets 404 when its grant is
  scoped to another department (``scope_other``), and the company-wide outcome when it is
  scoped to the object's own department.

Kept in the platform (no domain import): endpoints give their URLs as functions of a
``world`` dict of objects their app's fixture builds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

READ, WRITE = "read", "write"


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL name it covers, e.g. "customers:customer_detail" or "customer-detail"
    url: Callable[[dict], str]  # world -> path
    permission: str | None  # what the action needs (403 without it); None: any signed-in user
    kind: str = READ
    method: str = "get"
    api: bool = False
    # What it takes to see the object at all (404 without it): the detail's view permission.
    object_permission: str | None = None
    data: Callable[[dict], dict] = field(default=lambda world: {})
    content_type: str | None = None
    ok: frozenset[int] | None = None  # default: {200} for reads, WRITE_OK for writes
    # Roles the endpoint refuses beyond the permission (e.g. "only the requester cancels").
    refuses: frozenset[str] = frozenset()
    # The endpoint on an object of the world's ``scope_home`` department (department-scoped models).
    scoped_url: Callable[[dict], str] | None = None

    def allowed_statuses(self) -> frozenset[int]:
        return self.ok or (WRITE_OK if self.kind == WRITE else frozenset({200}))


WRITE_OK = frozenset({200, 201, 202, 204, 302, 400})


def expected(endpoint: Endpoint, role_code: str | None, permissions: set[str], read_only: bool) -> str:
    """'ok', or the denial status ('403' / '404') the catalogue implies for this role."""
    if endpoint.object_permission and endpoint.object_permission not in permissions:
        return "404"
    if endpoint.permission and endpoint.permission not in permissions:
        return "403"
    if endpoint.kind == WRITE and read_only:
        return "403"
    if role_code in endpoint.refuses:
        return "403"
    return "ok"
