"""Sign-in with throttling: after LOCKOUT_FAILURES failed attempts for one username (from
any address) or from one address (for any username) within LOCKOUT_SECONDS, further
attempts are refused without checking the password, so guessing is slow whatever the
attacker varies. Counters live in the cache (Redis in production). The address is the
client's, not the proxy's (insurer.middleware.client_address)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from insurer.middleware import client_address

LOCKOUT_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60


def _keys(username: str, address: str | None) -> list[str]:
    return [f"login-fail:user:{username.lower()}", f"login-fail:addr:{address or '-'}"]


def is_locked(username: str, address: str | None) -> bool:
    return any((cache.get(k) or 0) >= LOCKOUT_FAILURES for k in _keys(username, address))


def record_failure(username: str, address: str | None) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, LOCKOUT_SECONDS)


def clear_failures(username: str, address: str | None) -> None:
    cache.delete(_keys(username, address)[0])


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed sign-in attempts. Try again in 15 minutes or ask the access administrator."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request.META) if self.request else None
        if is_locked(username, address):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failure(username, address)
            raise
        clear_failures(username, address)
        return cleaned
