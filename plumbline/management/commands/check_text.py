import json
import sys

from django.core.management.base import CommandError

from plumbline.consistency import Report, check
from plumbline.management import PlumbLineCommand
from plumbline.models import PlumbLineVersion

# Exit status for "the text could not be checked as asked", as opposed to 1, which Django
# uses for any other error; scripts can tell a bad invocation from a failed check.
BAD_ARGUMENTS = 2


class Command(PlumbLineCommand):
    help = (
        "Checks a text (FILE, or stdin) against a plumb-line version and prints the report: "
        "score, band, guardrail hits and the evidence for each pillar."
    )

    def add_arguments(self, parser):
        self.add_version_argument(
            parser, "The version to check against (default: the current one)."
        )
        parser.add_argument(
            "--pillar",
            dest="pillars",
            action="append",
            default=[],
            metavar="KEY",
            help="A pillar the text claims to tell; repeat for several.",
        )
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="Print the report as JSON instead: exactly the report's to_dict().",
        )
        parser.add_argument(
            "file", nargs="?", metavar="FILE", help="The text to check (default: stdin)."
        )

    def handle(self, *args, version=None, pillars=(), as_json=False, file=None, **options):
        plumbline_version = self.find_version(version, returncode=BAD_ARGUMENTS)
        spec = plumbline_version.spec()
        known = [pillar.key for pillar in spec.pillars]
        for key in pillars:
            if key not in known:
                raise CommandError(
                    f'Version {spec.number} has no pillar "{key}" '
                    f"(its pillars: {', '.join(known) or 'none'}).",
                    returncode=BAD_ARGUMENTS,
                )
        text = self.read_text(file)
        report = check(text, spec, pillars)
        if as_json:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(describe(report, text, plumbline_version))

    def read_text(self, file: str | None) -> str:
        if file is None or file == "-":
            # Looked up now rather than at import time, so a replaced sys.stdin is honoured.
            return sys.stdin.read()
        try:
            with open(file, encoding="utf-8") as source:
                return source.read()
        except UnicodeDecodeError as error:
            raise CommandError(
                f"Cannot read {file}: it is not UTF-8 text.", returncode=BAD_ARGUMENTS
            ) from error
        except OSError as error:
            raise CommandError(
                f"Cannot read {file}: {error.strerror}.", returncode=BAD_ARGUMENTS
            ) from error


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def describe(report: Report, text: str, version: PlumbLineVersion) -> str:
    """The report as a person reads it in a terminal."""
    titles = {pillar.key: pillar.title for pillar in version.pillars.all()}

    def named(key: str) -> str:
        return f"{key} ({titles[key]})"

    lines = [
        f"Checked against version {report.version}: "
        f"score {report.score}, {report.band.replace('_', ' ')}.",
        "",
    ]
    if report.guardrail_hits:
        lines.append(f"Guardrail hits ({len(report.guardrail_hits)}):")
        for hit in report.guardrail_hits:
            advice = f'  {hit.severity}: "{hit.match}" at {_where(text, hit.start)}'
            advice += f' — say "{hit.preferred}" instead.'
            if hit.reason:
                advice += f" {hit.reason}"
            lines.append(advice)
    else:
        lines.append("Guardrail hits: none.")
    if report.evidence:
        lines.append("Evidence by pillar:")
        for key, items in report.evidence.items():
            lines.append(f"  {named(key)}:")
            lines.extend(
                f'    "{item.match}" at {_where(text, item.start)} (key phrase "{item.phrase}")'
                for item in items
            )
    else:
        lines.append("Evidence by pillar: none.")
    lines.append(
        "Told but not tagged: " + (", ".join(map(named, report.told_not_tagged)) or "none.")
    )
    lines.append(
        "Tagged but not told: " + (", ".join(map(named, report.tagged_not_told)) or "none.")
    )
    return "\n".join(lines)
