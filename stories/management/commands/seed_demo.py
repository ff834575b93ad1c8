from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from plumbline.demo import seed_plumbline
from stories.demo import seed_conversations, seed_stories
from teams.demo import seed_people


class Command(BaseCommand):
    help = "Loads the demo company (Tidewell Energy). Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even though DEBUG is off (never on a real company's database).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like production: the demo company was not loaded. "
                "Pass --force if you really want demo users with a known password here."
            )
        people = seed_people()
        version = seed_plumbline(manager=people["manager"])
        stories = seed_stories(people=people, version=version)
        conversations = seed_conversations(people=people, version=version)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo company ready: {len(people)} demo people, "
                f"plumb line version {version.number} current, {stories} stories, "
                f"{conversations} conversations."
            )
        )
