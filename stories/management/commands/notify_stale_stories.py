from django.core.management.base import BaseCommand

from stories.notifications import notify_stale_stories


class Command(BaseCommand):
    help = "Tell authors, once, about their published stories past the review-by date (run daily)."

    def handle(self, *args, **options):
        told = notify_stale_stories()
        self.stdout.write(f"{told} author notice{'s' if told != 1 else ''} sent.")
