import json

from django.core.management.base import CommandError

from plumbline import interchange
from plumbline.management import PlumbLineCommand


class Command(PlumbLineCommand):
    help = "Writes a plumb-line version (default: the current one) as JSON, to FILE or stdout."

    def add_arguments(self, parser):
        self.add_version_argument(parser, "The version to export (default: the current one).")
        parser.add_argument(
            "file", nargs="?", metavar="FILE", help="Where to write (default: stdout)."
        )

    def handle(self, *args, version=None, file=None, **options):
        plumbline_version = self.find_version(version)
        body = json.dumps(
            interchange.export_version(plumbline_version), indent=2, ensure_ascii=False
        )
        if file is None or file == "-":
            self.stdout.write(body + "\n", ending="")
            return
        try:
            with open(file, "w", encoding="utf-8") as out:
                out.write(body + "\n")
        except OSError as error:
            raise CommandError(f"Cannot write {file}: {error.strerror}.") from error
        # With a FILE, stdout is free for saying what happened; without one it is the JSON.
        self.stdout.write(f"Exported version {plumbline_version.number} to {file}")
