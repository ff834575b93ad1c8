"""What the commands that write made-up data share: they refuse a production database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class MadeUpDataCommand(BaseCommand):
    """Writes made-up people and entries: refused while DEBUG is off, unless --force."""

    # The refusal's two halves: what was not done, and what --force would write.
    not_done = ""
    would_write = ""

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (never on a real company's database).",
        )

    def execute(self, *args, **options):
        if not settings.DEBUG and not options.get("force"):
            raise CommandError(
                f"DEBUG is off, so this looks like production: {self.not_done}. "
                f"Pass --force if you really want {self.would_write} here."
            )
        return super().execute(*args, **options)
