"""A large, realistic company written in bulk, for load tests: `manage.py seed_scale`.

Everything is drawn from one seeded random generator:

* People: sales teams (~80% of users, each with a lead), marketing teams (~15%) and one
  management team, all with the password "plumbline-scale" (hashed once).
* Clients owned by sales people (busy reps own more), 1-4 contacts each, each created
  shortly before its first conversation. A rep's conversations go to their own clients; how
  busy a rep is follows log-normal weights (a few busy reps, many quiet ones) and how often
  each of their clients is talked to Zipf weights (a few key accounts).
* Stories in every status (mostly published), published over the last three years; the
  ones used in conversations follow Zipf weights and ~30% of published stories are never
  used. A conversation only uses stories published before it took place. Every story has
  its first revision.
* Dates: three years, on working days in working hours, three times as busy at the end as
  at the start. Conversation ids follow their dates.
* Every entry is written under the current plumb-line version and checked against it
  (checked_version is that version; nothing is in previous_*).
* Texts are short sentences composed from a small vocabulary and the current plumb line's
  key phrases (pillars told unevenly), with a guardrail phrase in ~15% of entries. Every
  stored check is real: `plumbline.consistency.check` against the current version, stored
  as `AlignedEntry.run_check` stores it.

Rows are written in bulk: bulk_create everywhere, and on PostgreSQL COPY for conversations
and their many-to-many rows (ids come from the table's sequence first, so the many-to-many
rows can point at them). One batch of conversations is one transaction. Then the
dashboard's summary tables are recounted and, on PostgreSQL, every table written analyzed.

Where things are: `seeder.py` runs the steps in order, with one module per topic beside it
(`people.py`, `stories.py`, `clients.py`, `conversations.py`); `texts.py` composes the
texts from `vocabulary.py`; `draws.py` holds the weights and the timeline; `bulk.py` the
bulk writers; `progress.py` the progress bar; `options.py` what can be asked for.
"""

from bench.scale.bulk import CopyWriter
from bench.scale.options import Options, ScaleError
from bench.scale.progress import duration
from bench.scale.seeder import Seeder

__all__ = ["CopyWriter", "Options", "ScaleError", "Seeder", "duration"]
