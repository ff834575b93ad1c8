from plumbline.demo import seed_plumbline
from stories.demo import seed_conversations, seed_stories
from stories.management.made_up_data import MadeUpDataCommand
from teams.demo import seed_people


class Command(MadeUpDataCommand):
    help = "Loads the demo company (Tidewell Energy). Running it again changes nothing."
    not_done = "the demo company was not loaded"
    would_write = "demo users with a known password"

    def handle(self, *args, **options):
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
