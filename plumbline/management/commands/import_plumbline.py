from django.core.management.base import BaseCommand, CommandError

from plumbline import interchange
from plumbline.permissions import may_edit_plumbline
from teams.models import User


class Command(BaseCommand):
    help = (
        "Imports a plumb-line JSON file as a new draft version (and publishes it with "
        "--publish). Nothing changes if the file has any problem or a draft is in progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The JSON file to import.")
        parser.add_argument(
            "--publish", action="store_true", help="Publish the new version right away."
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="Who the version is recorded as created (and published) by "
            "(default: the first active superuser).",
        )

    def handle(self, *args, file, publish=False, by=None, **options):
        author = self.author(by)
        try:
            with open(file, "rb") as source:
                data, problems = interchange.load(source)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
            raise CommandError(f"Nothing was imported: {file} has {count}.")
        try:
            version = interchange.import_version(data, by=author, publish=publish)
        except interchange.DraftExistsError as error:
            raise CommandError(str(error)) from error
        if publish:
            self.stdout.write(self.style.SUCCESS(f"Published version {version.number}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported as draft version {version.number}"))

    def author(self, username: str | None) -> User:
        if username is None:
            author = User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
            if author is None:
                raise CommandError(
                    "There is no active superuser to record as the author; pass --by USERNAME."
                )
            return author
        author = User.objects.filter(username=username).first()
        if author is None:
            raise CommandError(f'There is no user "{username}".')
        # The same rule as on the site: only managers and admins import and publish.
        if not may_edit_plumbline(author):
            raise CommandError(
                f'"{username}" may not edit the plumb line: only active managers and admins may.'
            )
        return author
