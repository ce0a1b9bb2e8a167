"""Give the first administrators their roles on a new installation.

Maker-checker needs two people who already hold roles; on day one nobody does. The
operator (someone with a shell on the servers) grants the first access administrators and
the first compliance officer here. Every grant is recorded in the audit ledger as a system
grant; separation of duties still applies.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from insurer.access.services import grant_system
from insurer.roles import BY_CODE


class Command(BaseCommand):
    help = "Grant a role to an existing user without maker-checker (first administrators only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", required=True, help="username (create it first with createsuperuser or the admin)"
        )
        parser.add_argument("--role", required=True, choices=sorted(BY_CODE))
        parser.add_argument("--reason", required=True)

    def handle(self, *args, **options):
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user {options['user']!r}") from exc
        try:
            grant = grant_system(user=user, role=options["role"], reason=options["reason"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"granted {grant.role} to {user.username} (grant #{grant.pk}), recorded in the audit ledger")
