"""What the plumb-line management commands share: a --version option meaning a plumb line."""

from django.core.management.base import BaseCommand, CommandError

from plumbline.models import PlumbLineVersion


class PlumbLineCommand(BaseCommand):
    """A command with `--version N`, the number of a plumb-line version.

    Every Django command already has a --version flag (Django's own version). Here it
    would be far more surprising for `--version 3` to print "6.1" than for the flag to
    mean the plumb line, so ours replaces Django's.
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_version_argument(self, parser, help_text):
        parser.add_argument("--version", type=int, metavar="N", help=help_text)

    def find_version(self, number: int | None, *, returncode: int = 1) -> PlumbLineVersion:
        """Version `number` (a draft too), or the current one; CommandError if there is none."""
        versions = PlumbLineVersion.objects.prefetch_related("pillars", "guardrails")
        if number is None:
            version = versions.filter(is_current=True).first()
            if version is None:
                raise CommandError(
                    "There is no current plumb-line version yet: publish one, or pass --version N.",
                    returncode=returncode,
                )
            return version
        version = versions.filter(number=number).first()
        if version is None:
            numbers = list(
                PlumbLineVersion.objects.order_by("number").values_list("number", flat=True)
            )
            known = ", ".join(map(str, numbers)) if numbers else "none yet"
            raise CommandError(
                f"There is no plumb-line version {number} (versions: {known}).",
                returncode=returncode,
            )
        return version
