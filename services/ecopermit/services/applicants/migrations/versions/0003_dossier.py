"""stored documents and the dossier by version

The documents an application cites move from its content JSON into dossier_entries, as version 1
added at the application's creation. Their bytes were never kept before this revision: a
download of one answers that the bytes are not stored.

Revision ID: applicants_0003
Revises: applicants_0002
Create Date: 2026-12-03 14:04:57.612155
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "applicants_0003"
down_revision: str | None = "applicants_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# DocumentKind by name, as the content JSON spells it (the contract's values, frozen here).
_KINDS = {
    "DOCUMENT_KIND_PROJECT_DOCUMENTATION": 1,
    "DOCUMENT_KIND_DRAFT_EMISSION_STANDARDS": 2,
    "DOCUMENT_KIND_WASTE_PROGRAMME": 3,
    "DOCUMENT_KIND_PRODUCTION_CONTROL_PROGRAMME": 4,
    "DOCUMENT_KIND_BAT_GAP_ANALYSIS": 5,
    "DOCUMENT_KIND_AUTOMATED_MONITORING_PLAN": 6,
    "DOCUMENT_KIND_EFFICIENCY_PROGRAMME": 7,
    "DOCUMENT_KIND_ENERGY_EFFICIENCY_MEASURES": 8,
    "DOCUMENT_KIND_OTHER": 9,
}


def upgrade() -> None:
    op.create_table(
        "stored_documents",
        sa.Column("enterprise_bin", sa.String(length=12), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_bin"], ["enterprises.bin"]),
        sa.PrimaryKeyConstraint("enterprise_bin", "sha256"),
    )
    entries = op.create_table(
        "dossier_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("add_time", sa.DateTime(), nullable=False),
        sa.Column("replace_time", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "kind", "file_name", "version"),
    )
    with op.batch_alter_table("dossier_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossier_entries_application_id"), ["application_id"], unique=False
        )
    applications = sa.table(
        "applications",
        sa.column("id", sa.String()),
        sa.column("content", sa.Text()),
        sa.column("create_time", sa.DateTime()),
    )
    connection = op.get_bind()
    for application_id, content, create_time in connection.execute(
        sa.select(applications.c.id, applications.c.content, applications.c.create_time)
    ):
        inputs = json.loads(content)
        documents = inputs.pop("documents", [])
        rows = [
            {
                "application_id": application_id,
                "kind": _KINDS.get(document.get("kind", ""), 9),
                "file_name": document.get("file_name", ""),
                "version": 1,
                "sha256": document.get("sha256", ""),
                "size_bytes": int(document.get("size_bytes", 0)),
                "media_type": "",
                "add_time": create_time,
                "replace_time": None,
            }
            for document in documents
        ]
        if rows:
            connection.execute(sa.insert(entries), rows)
        connection.execute(
            sa.update(applications)
            .where(applications.c.id == application_id)
            .values(content=json.dumps(inputs))
        )


def downgrade() -> None:
    # The current version of each document goes back into the content JSON; earlier versions
    # and the uploads' records have no place there and are dropped.
    names = {value: name for name, value in _KINDS.items()}
    entries = sa.table(
        "dossier_entries",
        sa.column("application_id", sa.String()),
        sa.column("kind", sa.Integer()),
        sa.column("file_name", sa.String()),
        sa.column("sha256", sa.String()),
        sa.column("size_bytes", sa.Integer()),
        sa.column("replace_time", sa.DateTime()),
        sa.column("id", sa.Integer()),
    )
    applications = sa.table(
        "applications", sa.column("id", sa.String()), sa.column("content", sa.Text())
    )
    connection = op.get_bind()
    current: dict[str, list[dict[str, object]]] = {}
    for row in connection.execute(
        sa.select(entries).where(entries.c.replace_time.is_(None)).order_by(entries.c.id)
    ):
        current.setdefault(row.application_id, []).append(
            {
                "kind": names.get(row.kind, "DOCUMENT_KIND_OTHER"),
                "file_name": row.file_name,
                "sha256": row.sha256,
                "size_bytes": str(row.size_bytes),
            }
        )
    for application_id, content in connection.execute(
        sa.select(applications.c.id, applications.c.content)
    ):
        inputs = json.loads(content)
        if application_id in current:
            inputs["documents"] = current[application_id]
        connection.execute(
            sa.update(applications)
            .where(applications.c.id == application_id)
            .values(content=json.dumps(inputs))
        )
    with op.batch_alter_table("dossier_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_entries_application_id"))
    op.drop_table("dossier_entries")
    op.drop_table("stored_documents")
