from django.core.management.base import BaseCommand

from customers.pii import pii_rotate


class Command(BaseCommand):
    help = "Re-encrypt customers' ID and phone numbers under the current key and recompute blind indexes."

    def handle(self, *args, **options):
        result = pii_rotate()
        self.stdout.write(
            f"examined {result.examined}, re-encrypted {result.reencrypted}, re-indexed {result.reindexed}; "
            f"{result.remaining_under_old_keys} still under an old key"
        )
