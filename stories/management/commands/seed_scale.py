import time

from django.core.management.base import CommandError

from bench.scale import Options, ScaleError, Seeder, duration
from stories.management.made_up_data import MadeUpDataCommand


class Command(MadeUpDataCommand):
    help = (
        "Writes a large, realistic company in bulk for load tests: people in teams, clients "
        "and contacts, stories and conversations, every one with a real stored check against "
        "the current plumb line. Adds to what is there; run it after seed_demo."
    )
    not_done = "no load-test data was written"
    would_write = "thousands of made-up people and clients"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        defaults = Options()
        parser.add_argument("--conversations", type=int, default=defaults.conversations)
        parser.add_argument("--stories", type=int, default=defaults.stories)
        parser.add_argument("--clients", type=int, default=defaults.clients)
        parser.add_argument("--users", type=int, default=defaults.users)
        parser.add_argument("--seed", type=int, default=defaults.seed, help="Random seed.")
        parser.add_argument(
            "--batch", type=int, default=defaults.batch, help="Rows per batch (transaction)."
        )

    def handle(self, *args, **options):
        names = ("conversations", "stories", "clients", "users", "seed", "batch")
        chosen = Options(**{name: options[name] for name in names})
        for name in ("conversations", "stories", "clients"):
            if getattr(chosen, name) < 0:
                raise CommandError(f"--{name} cannot be negative.")
        started = time.monotonic()
        try:
            counts = Seeder(chosen, write=self.stdout.write).run()
        except ScaleError as error:
            raise CommandError(str(error)) from error
        for name, added in counts.items():
            self.stdout.write(f"  {name:<32} {added:>12,}")
        self.stdout.write(
            self.style.SUCCESS(f"Load-test data written in {duration(time.monotonic() - started)}.")
        )
