import django_filters as df
from django.utils.translation import gettext_lazy as _

from insurer.ledger.models import AuditEvent


class AuditEventFilter(df.FilterSet):
    kind = df.ChoiceFilter(choices=AuditEvent.Kind.choices, label=_("Kind"))
    actor = df.CharFilter(field_name="actor_name", label=_("Actor"))
    action = df.CharFilter(label=_("Action"))
    object_type = df.CharFilter(label=_("Object type"))
    object_id = df.CharFilter(label=_("Object id"))
    request_id = df.CharFilter(label=_("Request id"))
    date_from = df.DateFilter(field_name="recorded_at", lookup_expr="date__gte", label=_("From date"))
    date_to = df.DateFilter(field_name="recorded_at", lookup_expr="date__lte", label=_("To date"))

    class Meta:
        model = AuditEvent
        fields = ["kind", "action", "object_type", "object_id", "request_id"]
