"""baseline: the schema that db.create_all() made before there were migrations

Every table of locator/models.py and the areas' models.py, their indexes and constraints
(names from the metadata's naming convention), and the office table's spatial index:
SQLite's R*Tree with its three triggers, PostgreSQL's GiST index on point(lon, lat) — the
same statements create_all runs (locator.models.spatial_index_ddl).

A database made by create_all before this revision existed is recorded at this revision
without running it (locator/schema.py, migrations/env.py).

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from locator.models import spatial_index_ddl, spatial_index_drop_ddl

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "error_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("selection", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("office_slug", sa.String(length=120), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_error_report")),
    )
    op.create_index(
        op.f("ix_error_report_office_slug"), "error_report", ["office_slug"], unique=False
    )
    op.create_index(op.f("ix_error_report_status"), "error_report", ["status"], unique=False)

    op.create_table(
        "geocode_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("query", sa.String(length=300), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("precision", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocode_cache")),
        sa.UniqueConstraint("provider", "query", name="uq_geocode_cache_query"),
    )
    op.create_table(
        "join_request",
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("contact_person", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("city_key", sa.String(length=400), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_request")),
        sa.UniqueConstraint("public_id", name=op.f("uq_join_request_public_id")),
    )
    op.create_index(op.f("ix_join_request_email"), "join_request", ["email"], unique=False)
    op.create_index(op.f("ix_join_request_status"), "join_request", ["status"], unique=False)

    op.create_table(
        "office",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("region", sa.String(length=120), nullable=False),
        sa.Column("postcode", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=False),
        sa.Column("opening_hours", sa.String(length=500), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("categories", sa.String(length=300), nullable=False),
        sa.Column("accessibility", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office")),
        sa.UniqueConstraint("slug", name=op.f("uq_office_slug")),
    )
    op.create_index(op.f("ix_office_active"), "office", ["active"], unique=False)
    op.create_index("ix_office_lat_lon", "office", ["lat", "lon"], unique=False)
    for statement in spatial_index_ddl(op.get_context().dialect.name):
        op.execute(statement)

    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("list_unsubscribe", sa.String(length=600), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    op.create_index(op.f("ix_outgoing_mail_status"), "outgoing_mail", ["status"], unique=False)
    op.create_index(
        op.f("ix_outgoing_mail_to_address"), "outgoing_mail", ["to_address"], unique=False
    )

    op.create_table(
        "poster_download",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("size", sa.String(length=4), nullable=False),
        sa.Column("personalised", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poster_download")),
        sa.UniqueConstraint("lang", "size", "personalised", name="uq_poster_download_kind"),
    )
    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("contact_kind", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_mail_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question")),
    )
    op.create_index(op.f("ix_question_status"), "question", ["status"], unique=False)

    op.create_table(
        "statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("places_manual", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
        sa.UniqueConstraint("slug", name=op.f("uq_statement_slug")),
    )
    op.create_index(op.f("ix_statement_lang"), "statement", ["lang"], unique=False)
    op.create_index(op.f("ix_statement_published"), "statement", ["published"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "volunteer",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("city_label", sa.String(length=200), nullable=False),
        sa.Column("city_key", sa.String(length=400), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("skills", sa.String(length=200), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("availability", sa.String(length=500), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer")),
        sa.UniqueConstraint("email", name=op.f("uq_volunteer_email")),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.id"],
            name=op.f("fk_volunteer_office_id_office"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_volunteer_public_id")),
    )
    op.create_index(op.f("ix_volunteer_office_id"), "volunteer", ["office_id"], unique=False)
    op.create_index(op.f("ix_volunteer_status"), "volunteer", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_volunteer_status"), table_name="volunteer")
    op.drop_index(op.f("ix_volunteer_office_id"), table_name="volunteer")

    op.drop_table("volunteer")
    op.drop_table("user_account")
    op.drop_index(op.f("ix_statement_published"), table_name="statement")
    op.drop_index(op.f("ix_statement_lang"), table_name="statement")

    op.drop_table("statement")
    op.drop_index(op.f("ix_question_status"), table_name="question")

    op.drop_table("question")
    op.drop_table("poster_download")
    op.drop_index(op.f("ix_outgoing_mail_to_address"), table_name="outgoing_mail")
    op.drop_index(op.f("ix_outgoing_mail_status"), table_name="outgoing_mail")

    op.drop_table("outgoing_mail")
    for statement in spatial_index_drop_ddl(op.get_context().dialect.name):
        op.execute(statement)
    op.drop_index("ix_office_lat_lon", table_name="office")
    op.drop_index(op.f("ix_office_active"), table_name="office")

    op.drop_table("office")
    op.drop_index(op.f("ix_join_request_status"), table_name="join_request")
    op.drop_index(op.f("ix_join_request_email"), table_name="join_request")

    op.drop_table("join_request")
    op.drop_table("geocode_cache")
    op.drop_index(op.f("ix_error_report_status"), table_name="error_report")
    op.drop_index(op.f("ix_error_report_office_slug"), table_name="error_report")

    op.drop_table("error_report")
