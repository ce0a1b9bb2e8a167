"""Job kinds: what a job computes, declared by the app that owns the data.

A kind declares how to split its parameters into chunks, how to compute one chunk (pure
and idempotent: the same chunk gives the same result however often it runs), and how to
reduce the chunk results into a summary. Apps register their kinds from
``AppConfig.ready()``; the platform never imports a domain app.

Results must be JSON: use strings for decimals, so sums stay exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class JobKind:
    name: str
    version: str
    verbose_name: Promise
    permission: str  # needed, besides jobs.request_job, to request this kind
    split: Callable[[dict], list]  # parameters -> [chunk spec (JSON)]
    run_chunk: Callable[[dict, Any], Any]  # (parameters, chunk spec) -> chunk result (JSON)
    reduce: Callable[[dict, list], dict]  # (parameters, [chunk results in index order]) -> summary (JSON)
    form: type[forms.Form] | None = None  # validates and documents the parameters
    input_fingerprint: Callable[[dict], Any] | None = None  # what the input data looked like (JSON)
    description: Promise | str = ""

    def clean_parameters(self, raw: dict | None) -> dict:
        """Validated, JSON-ready parameters (ValidationError naming the bad fields)."""
        raw = dict(raw or {})
        if self.form is None:
            return json.loads(canonical_json(raw))
        form = self.form(data=raw)
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        unknown = sorted(set(raw) - set(form.fields))
        if unknown:
            raise ValidationError({k: [_("Unknown parameter.")] for k in unknown})
        return {k: _jsonable(v) for k, v in form.cleaned_data.items()}


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ValidationError({"kind": [_("Unknown job kind %(kind)s.") % {"kind": name}]}) from None


def find(name: str) -> JobKind | None:
    return _KINDS.get(name)


def kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def kinds_for(user) -> list[JobKind]:
    """The kinds ``user`` may request."""
    if not (getattr(user, "is_active", False) and user.has_perm("jobs.request_job")):
        return []
    return [k for k in kinds() if user.has_perm(k.permission)]


def _jsonable(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable)


def input_hash(kind: JobKind, parameters: dict) -> str:
    """SHA-256 over the kind, its parameters and the kind's fingerprint of its input data."""
    fingerprint = kind.input_fingerprint(parameters) if kind.input_fingerprint else None
    document = {"kind": kind.name, "parameters": parameters, "input": fingerprint}
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def code_version(kind: JobKind) -> str:
    commit = git_commit()
    return f"{kind.version}+{commit[:12]}" if commit else kind.version


@lru_cache(maxsize=1)
def git_commit() -> str:
    """INSURER_GIT_COMMIT (set by the image build), else the checkout's HEAD, else ""."""
    if os.environ.get("INSURER_GIT_COMMIT"):
        return os.environ["INSURER_GIT_COMMIT"]
    git = Path(__file__).resolve().parents[2] / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return ""
