"""A values() queryset compiled to SQL once and run on many requests.

Building a queryset of a few joined parts and compiling it can cost a page more than the
database's whole answer (the review queue: about 3 ms of Python for a 1 ms query). Where a
page runs the same SQL for many requests, keep a `Compiled` of it, cached on everything
its SQL depends on (see review_queue._first_rows), and read its rows with `rows()`: the
SQL as compiled, run with a cursor, its values passed through the converters the ORM would
apply (SQLite's dates, say), as the dicts values() gives.

Only for SQL that depends on nothing but its cache key: no `now()` computed in Python, no
ids read from the database while building it. A value that changes on every request (the
client whose page it is) can be a slot instead of part of the key: build the queryset with
a placeholder no real parameter takes (a negative id), name it in `slots`, and give the
value to `rows()`:

    compiled = Compiled(Contact.objects.filter(client_id=-1).values("name"), client=-1)
    compiled.rows(client=42)
"""

from django.db import connections
from django.db.models import QuerySet


class Compiled:
    def __init__(self, queryset: QuerySet, **slots: int):
        query = queryset.query
        if not query.values_select and not query.annotation_select and not query.selected:
            raise ValueError("Compiled takes a values() queryset")
        self.using = queryset.db
        compiler = query.get_compiler(self.using)
        self.sql, self.params = compiler.as_sql()
        # As ValuesIterable names them; as_sql() has set up the compiler's select list.
        self.names = list(query.selected or ()) or [
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        ]
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        self.slots = {}
        for name, placeholder in slots.items():
            at = [i for i, value in enumerate(self.params) if value == placeholder]
            if not at:
                raise ValueError(f"the placeholder of slot {name!r} is not in the query")
            self.slots[name] = at

    def rows(self, **values) -> list[dict]:
        """The rows, with `values` in the slots (every slot needs one)."""
        params = self.params
        if self.slots:
            params = list(params)
            for name, at in self.slots.items():
                for i in at:
                    params[i] = values[name]
        # The connection of this thread (a compiler keeps the one it was made with).
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [self._convert(list(row), connection) for row in rows]
        names = self.names
        # Like ValuesIterable: columns past the names (none here) are left out.
        return [dict(zip(names, row)) for row in rows]  # noqa: B905

    def _convert(self, row: list, connection) -> list:
        """What SQLCompiler.apply_converters does to a row."""
        for position, (converters, expression) in self.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        return row


def fields(model, prefix: str = "") -> list[str]:
    """The names under which a values() query reads every column of `model` (reached
    through `prefix`, "owner__" say), for instance() to make it again."""
    return [prefix + field.attname for field in model._meta.concrete_fields]


def instance(model, row: dict, prefix: str = "", using: str = "default"):
    """The `model` instance whose columns a Compiled row holds under fields(model, prefix),
    as the ORM would have made it (saved, from the `using` database)."""
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(using, names, [row[prefix + name] for name in names])


class Shape:
    """A model instance with related objects, as select_related() gives them, and more
    attributes (a page's annotations), read from the columns of a Compiled row:

        shape = Shape(Client, {"owner": User})
        compiled = Compiled(clients.filter(pk=-1).values(*shape.columns), client=-1)
        client = shape.read(compiled, client=42)  # or shape.make(row, compiled.using)
    """

    def __init__(self, model, related: dict | None = None, extra=()):
        self.model = model
        self.related = dict(related or {})
        self.extra = list(extra)
        self.columns = fields(model)
        for name, other in self.related.items():
            self.columns += fields(other, f"{name}__")
        self.columns += self.extra

    def read(self, compiled: Compiled, **values):
        """The instance of `compiled`'s first row (`values` in its slots), or None."""
        rows = compiled.rows(**values)
        return self.make(rows[0], compiled.using) if rows else None

    def make(self, row: dict, using: str):
        made = instance(self.model, row, using=using)
        for name, other in self.related.items():
            setattr(made, name, instance(other, row, f"{name}__", using))
        for name in self.extra:
            setattr(made, name, row[name])
        return made
