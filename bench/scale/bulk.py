"""Writing rows in bulk: bulk_create anywhere, COPY for conversations on PostgreSQL."""

import json
from contextlib import contextmanager

from django.db import connection, models

from stories.models import Conversation


@contextmanager
def explicit_timestamps(*models):
    """Let bulk_create keep the created_at/updated_at values given, instead of "now".

    auto_now(_add) fields set themselves in pre_save; for back-dated rows that is switched
    off on the field objects for the duration, and switched back on afterwards.
    """
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


# Conversation columns in the order rows are built; any other column gets its default.
CONVERSATION_FIELDS = (
    "plumbline_version_id",
    "check_report",
    "score",
    "band",
    "checked_at",
    "checked_version_id",
    "told_keys",
    "hit_phrases",
    "previous_report",
    "previous_score",
    "previous_band",
    "client_id",
    "rep_id",
    *Conversation.RECORD_FIELDS,
    "submission_token",
    "lock_version",
    "created_at",
    "updated_at",
)
CONVERSATION_M2M = ("pillars", "contacts", "tco_topics", "stories_used")


def m2m_through(model, name: str):
    """The through model of a many-to-many field, and its two foreign-key attnames."""
    field = model._meta.get_field(name)
    through = field.remote_field.through
    return (
        through,
        through._meta.get_field(field.m2m_field_name()).attname,
        through._meta.get_field(field.m2m_reverse_field_name()).attname,
    )


class BulkCreateWriter:
    """Any database: batched bulk_create (SQLite returns the new ids)."""

    def __init__(self, batch: int):
        self.batch = batch
        self.throughs = {name: m2m_through(Conversation, name) for name in CONVERSATION_M2M}

    def write(self, rows: list[tuple], links: dict[str, list[tuple[int, int]]]) -> None:
        names = CONVERSATION_FIELDS
        objects = [Conversation(**dict(zip(names, row, strict=True))) for row in rows]
        with explicit_timestamps(Conversation):
            Conversation.objects.bulk_create(objects, batch_size=self.batch)
        ids = [obj.pk for obj in objects]
        for name, pairs in links.items():
            through, own, other = self.throughs[name]
            through.objects.bulk_create(
                [through(**{own: ids[at], other: target}) for at, target in pairs],
                batch_size=self.batch,
            )


class CopyWriter:
    """PostgreSQL: ids from the sequence first, then COPY for every row (psycopg 3)."""

    def __init__(self, batch: int):
        quote = connection.ops.quote_name
        meta = Conversation._meta
        known = {meta.get_field(name.removesuffix("_id")).attname for name in CONVERSATION_FIELDS}
        others = [f for f in meta.concrete_fields if f.attname not in known and not f.primary_key]
        self.defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
        columns = [meta.pk.column]
        columns += [meta.get_field(name.removesuffix("_id")).column for name in CONVERSATION_FIELDS]
        columns += [f.column for f in others]
        self.table = meta.db_table
        self.pk_column = meta.pk.column
        self.copy_sql = f"COPY {quote(self.table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        self.link_sql = {}
        for name in CONVERSATION_M2M:
            field = meta.get_field(name)
            through_table = field.remote_field.through._meta.db_table
            cols = ", ".join(map(quote, (field.m2m_column_name(), field.m2m_reverse_name())))
            self.link_sql[name] = f"COPY {quote(through_table)} ({cols}) FROM STDIN"
        self.json_columns = [
            i
            for i, name in enumerate(CONVERSATION_FIELDS)
            if isinstance(meta.get_field(name.removesuffix("_id")), models.JSONField)
        ]

    def allocate(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self.table, self.pk_column, count],
            )
            return [row[0] for row in cursor.fetchall()]

    def write(self, rows: list[tuple], links: dict[str, list[tuple[int, int]]]) -> None:
        ids = self.allocate(len(rows))
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        json_columns, defaults = self.json_columns, self.defaults
        with connection.cursor() as cursor, cursor.connection.cursor() as raw:
            with raw.copy(self.copy_sql) as copy:
                for pk, row in zip(ids, rows, strict=True):
                    row = list(row)
                    for i in json_columns:
                        row[i] = dumps(row[i])
                    copy.write_row((pk, *row, *defaults))
            for name, pairs in links.items():
                with raw.copy(self.link_sql[name]) as copy:
                    for at, target in pairs:
                        copy.write_row((ids[at], target))
