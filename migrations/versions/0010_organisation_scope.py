"""Organisation scope: an organisation serves one territory, a whole region or the whole country.

Adds ``scope`` and ``region`` to the organisations. Existing organisations on a territory keep it (scope
``territory``); those on none become national. The name is unique within its scope (one partial unique
index per scope, replacing the (name, territory) key, under which national bodies were never unique),
and a check constraint keeps the scope's columns in agreement with it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 11:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

SCOPE_COLUMNS = (
    "(scope = 'territory' AND territory_id IS NOT NULL AND region IS NULL)"
    " OR (scope = 'region' AND territory_id IS NULL AND region IS NOT NULL)"
    " OR (scope = 'national' AND territory_id IS NULL AND region IS NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table('gpect_organisations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'scope',
                sa.Enum(
                    'territory', 'region', 'national',
                    name=op.f('ck_gpect_organisations_organisation_scope'), native_enum=False, create_constraint=True,
                ),
                server_default='territory',
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=True))
    op.execute("UPDATE gpect_organisations SET scope = 'national' WHERE territory_id IS NULL")
    with op.batch_alter_table('gpect_organisations', schema=None) as batch_op:
        batch_op.alter_column('scope', server_default=None)
        batch_op.drop_constraint('uq_gpect_organisations_name_territory_id', type_='unique')
        batch_op.create_check_constraint('scope_columns', sa.text(SCOPE_COLUMNS))
        batch_op.create_index(
            'uq_gpect_organisations_territory_name', ['territory_id', 'name'], unique=True,
            sqlite_where=sa.text("scope = 'territory'"), postgresql_where=sa.text("scope = 'territory'"),
        )
        batch_op.create_index(
            'uq_gpect_organisations_region_name', ['region', 'name'], unique=True,
            sqlite_where=sa.text("scope = 'region'"), postgresql_where=sa.text("scope = 'region'"),
        )
        batch_op.create_index(
            'uq_gpect_organisations_national_name', ['name'], unique=True,
            sqlite_where=sa.text("scope = 'national'"), postgresql_where=sa.text("scope = 'national'"),
        )


def downgrade() -> None:
    # Region-wide organisations have no territory again, like national ones were before this revision.
    with op.batch_alter_table('gpect_organisations', schema=None) as batch_op:
        batch_op.drop_index('uq_gpect_organisations_national_name')
        batch_op.drop_index('uq_gpect_organisations_region_name')
        batch_op.drop_index('uq_gpect_organisations_territory_name')
        batch_op.drop_constraint(op.f('ck_gpect_organisations_scope_columns'), type_='check')
        batch_op.drop_constraint(op.f('ck_gpect_organisations_organisation_scope'), type_='check')
        batch_op.create_unique_constraint('uq_gpect_organisations_name_territory_id', ['name', 'territory_id'])
        batch_op.drop_column('region')
        batch_op.drop_column('scope')
