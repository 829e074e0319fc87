"""What each list import contained: one row per part a format publishes in a file of its own
(OFAC CSV: add.csv, alt.csv, sdn_comments.csv), present or not, for `list-incomplete`.

Versions imported before this migration are filled from the file names their `origin` lists
(the importer wrote every file it read there); row counts are unknown for them.

Revision ID: 0009_list_contents
Revises: 0001_lists
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_list_contents"
down_revision = "0001_lists"
branch_labels = None
depends_on = None

# (source, [(part, file)]) as `lists/ofac_csv.py` reads the two CSV sets.
_CSV_SETS = (
    (
        "ofac-sdn",
        (("addresses", "add.csv"), ("aliases", "alt.csv"), ("remarks", "sdn_comments.csv")),
    ),
    (
        "ofac-cons",
        (
            ("addresses", "cons_add.csv"),
            ("aliases", "cons_alt.csv"),
            ("remarks", "cons_comments.csv"),
        ),
    ),
)


def upgrade() -> None:
    content = op.create_table(
        "list_content",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("list_version.id"), primary_key=True),
        sa.Column("part", sa.String(40), primary_key=True),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("present", sa.Boolean, nullable=False),
        sa.Column("rows", sa.Integer, nullable=True),
    )
    conn = op.get_bind()
    versions = conn.execute(sa.text("SELECT id, source, origin FROM list_version")).all()
    rows = []
    for version_id, source, origin in versions:
        names = [p.replace("\\", "/").rsplit("/", 1)[-1].lower() for p in origin.split()]
        for set_source, parts in _CSV_SETS:
            if source != set_source or not names or not names[0].endswith(".csv"):
                continue  # XML and the other formats carry everything in one file
            for part, file in parts:
                rows.append(
                    {
                        "version_id": version_id,
                        "part": part,
                        "file": file,
                        "present": file in names,
                        "rows": None,
                    }
                )
    if rows:
        op.bulk_insert(content, rows)


def downgrade() -> None:
    op.drop_table("list_content")
