"""Permission-matrix endpoints of the regulatory clocks (tests/test_permission_matrix.py)."""

from __future__ import annotations

from dataclasses import replace

from insurer.testing.matrix import WRITE, Endpoint


def world(builders) -> dict:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model

    from insurer.access.models import Department
    from insurer.access.services import grant_system
    from insurer.clocks import services
    from insurer.clocks.models import ClockBreach, ClockRule
    from insurer.clocks.rules import rules_load

    if not ClockRule.objects.exists():
        rules_load(ClockRule)
    prc = ZoneInfo("Asia/Shanghai")
    maker = get_user_model().objects.create_user(username="matrix-clock-maker", password="x-pass-12345")
    grant_system(user=maker, role="claims_handler", reason="permission matrix")
    now = dt.datetime.now(prc)

    def start(code, object_id, when):
        return services.clock_start(actor=maker, rule_code=code, object_type="claims.claim", object_id=object_id,
                                    object_repr=f"Claim {object_id}", started_at=when)  # fmt: skip

    running = start("C1", "MX-1", now - dt.timedelta(hours=1))
    paused = start("C10", "MX-2", now - dt.timedelta(hours=1))
    services.clock_pause(actor=maker, clock=paused, reason="waiting for the complainant")
    late = start("C4", "MX-3", now - dt.timedelta(days=10))
    services.clocks_tick(now=now)
    breach = ClockBreach.objects.get(clock=late)
    services.breach_explain(actor=maker, breach=breach, explanation="matrix")
    rule = ClockRule.objects.get(code="C1", version=1)
    claims, finance = Department.objects.get(code="CLAIMS"), Department.objects.get(code="FINANCE")
    scoped = services.clock_start(actor=maker, rule_code="C1", object_type="claims.claim", object_id="MX-4",
                                  object_repr="Claim MX-4", started_at=now - dt.timedelta(hours=1),
                                  department=claims)  # fmt: skip
    return {"clock_running": running, "clock_paused": paused, "clock_breach": breach, "clock_rule": rule,
            "clock_scoped": scoped, "scope_home": claims, "scope_other": finance}  # fmt: skip


V_CLOCK, V_BREACH, V_RULE = "clocks.view_clock", "clocks.view_clockbreach", "clocks.view_clockrule"
CHANGE, SIGNOFF = "clocks.change_clock", "clocks.signoff_breach"
JSON = "application/json"


def _start_data(world):
    return {"rule_code": "C4", "object_type": "claims.claim", "object_id": "MX-9"}


ENDPOINTS = [
    # Screens
    Endpoint("clocks:list", lambda w: "/clocks/", V_CLOCK),
    Endpoint("clocks:rules", lambda w: "/clocks/rules/", V_RULE),
    Endpoint("clocks:breaches", lambda w: "/clocks/breaches/", V_BREACH),
    Endpoint("clocks:detail", lambda w: f"/clocks/{w['clock_running'].pk}/", V_CLOCK, object_permission=V_CLOCK),
    Endpoint("clocks:start", lambda w: "/clocks/start/", CHANGE, kind=WRITE, method="post", data=_start_data),
    Endpoint("clocks:pause", lambda w: f"/clocks/{w['clock_running'].pk}/pause/", CHANGE, kind=WRITE, method="post",
             object_permission=V_CLOCK, data=lambda w: {"reason": "waiting"}),
    Endpoint("clocks:resume", lambda w: f"/clocks/{w['clock_paused'].pk}/resume/", CHANGE, kind=WRITE,
             method="post", object_permission=V_CLOCK, data=lambda w: {"reason": "answered"}),
    Endpoint("clocks:stop", lambda w: f"/clocks/{w['clock_running'].pk}/stop/", CHANGE, kind=WRITE, method="post",
             object_permission=V_CLOCK, data=lambda w: {"reason": "met"}),
    Endpoint("clocks:breach_explain", lambda w: f"/clocks/breaches/{w['clock_breach'].pk}/explain/", CHANGE,
             kind=WRITE, method="post", object_permission=V_BREACH, data=lambda w: {"explanation": "why"}),
    Endpoint("clocks:breach_sign_off", lambda w: f"/clocks/breaches/{w['clock_breach'].pk}/sign-off/", SIGNOFF,
             kind=WRITE, method="post", object_permission=V_BREACH),
    # API
    Endpoint("clock-list", lambda w: "/api/v1/clocks/", V_CLOCK, api=True),
    Endpoint("clock-detail", lambda w: f"/api/v1/clocks/{w['clock_running'].pk}/", V_CLOCK, api=True,
             object_permission=V_CLOCK),
    Endpoint("clock-start", lambda w: "/api/v1/clocks/start/", CHANGE, kind=WRITE, method="post", api=True,
             data=_start_data, content_type=JSON),
    Endpoint("clock-pause", lambda w: f"/api/v1/clocks/{w['clock_running'].pk}/pause/", CHANGE, kind=WRITE,
             method="post", api=True, object_permission=V_CLOCK, data=lambda w: {"reason": "waiting"},
             content_type=JSON),
    Endpoint("clock-resume", lambda w: f"/api/v1/clocks/{w['clock_paused'].pk}/resume/", CHANGE, kind=WRITE,
             method="post", api=True, object_permission=V_CLOCK, data=lambda w: {"reason": "answered"},
             content_type=JSON),
    Endpoint("clock-stop", lambda w: f"/api/v1/clocks/{w['clock_running'].pk}/stop/", CHANGE, kind=WRITE,
             method="post", api=True, object_permission=V_CLOCK, data=lambda w: {"reason": "met"}, content_type=JSON),
    Endpoint("clock-rule-list", lambda w: "/api/v1/clocks/rules/", V_RULE, api=True),
    Endpoint("clock-rule-detail", lambda w: f"/api/v1/clocks/rules/{w['clock_rule'].pk}/", V_RULE, api=True,
             object_permission=V_RULE),
    Endpoint("clock-breach-list", lambda w: "/api/v1/clocks/breaches/", V_BREACH, api=True),
    Endpoint("clock-breach-detail", lambda w: f"/api/v1/clocks/breaches/{w['clock_breach'].pk}/", V_BREACH,
             api=True, object_permission=V_BREACH),
    Endpoint("clock-breach-explain", lambda w: f"/api/v1/clocks/breaches/{w['clock_breach'].pk}/explain/", CHANGE,
             kind=WRITE, method="post", api=True, object_permission=V_BREACH, data=lambda w: {"explanation": "why"},
             content_type=JSON),
    Endpoint("clock-breach-sign-off", lambda w: f"/api/v1/clocks/breaches/{w['clock_breach'].pk}/sign-off/",
             SIGNOFF, kind=WRITE, method="post", api=True, object_permission=V_BREACH, content_type=JSON),
]  # fmt: skip


# Out of scope: the same endpoints on the claims department's clock (test_permission_matrix).
_SCOPED = {
    "clocks:detail": lambda w: f"/clocks/{w['clock_scoped'].pk}/",
    "clocks:pause": lambda w: f"/clocks/{w['clock_scoped'].pk}/pause/",
    "clocks:stop": lambda w: f"/clocks/{w['clock_scoped'].pk}/stop/",
    "clock-detail": lambda w: f"/api/v1/clocks/{w['clock_scoped'].pk}/",
    "clock-pause": lambda w: f"/api/v1/clocks/{w['clock_scoped'].pk}/pause/",
    "clock-stop": lambda w: f"/api/v1/clocks/{w['clock_scoped'].pk}/stop/",
}
ENDPOINTS = [replace(e, scoped_url=_SCOPED[e.name]) if e.name in _SCOPED else e for e in ENDPOINTS]
