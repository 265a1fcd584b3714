"""Initial schema: partners, definitions, plans, stages, tasks, journal, outbox, indicators, decisions.

Revision ID: 0001
Revises: 
Create Date: 2026-11-30 11:59:10.629059
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gpect_definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('title_fr', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('source_file', sa.String(length=500), nullable=False),
    sa.Column('registered_dt', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_definitions')),
    sa.UniqueConstraint('key', 'version', name=op.f('uq_gpect_definitions_key_version'))
    )
    op.create_table('gpect_territories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department', sa.String(length=3), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_territories')),
    sa.UniqueConstraint('code', name=op.f('uq_gpect_territories_code'))
    )
    op.create_table('gpect_organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('local_authority', 'employment_house', 'employment_service', 'region', 'state_service', 'chamber', 'employers_group', 'cluster', 'training_body', 'company', 'youth_service', 'other', name=op.f('ck_gpect_organisations_organisation_kind'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['gpect_territories.id'], name=op.f('fk_gpect_organisations_territory_id_gpect_territories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_organisations')),
    sa.UniqueConstraint('name', 'territory_id', name=op.f('uq_gpect_organisations_name_territory_id'))
    )
    with op.batch_alter_table('gpect_organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpect_organisations_territory_id'), ['territory_id'], unique=False)

    op.create_table('gpect_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('admin', 'lead', 'partner', 'committee', name=op.f('ck_gpect_people_person_role'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('language', sa.Enum('fr', 'en', name=op.f('ck_gpect_people_language'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('reminder_mode', sa.Enum('immediate', 'daily', 'weekly', 'none', name=op.f('ck_gpect_people_reminder_mode'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('is_referent', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['gpect_organisations.id'], name=op.f('fk_gpect_people_organisation_id_gpect_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_people')),
    sa.UniqueConstraint('email', name=op.f('uq_gpect_people_email'))
    )
    with op.batch_alter_table('gpect_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpect_people_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('uq_gpect_people_organisation_referent', ['organisation_id'], unique=True, sqlite_where=sa.text('is_referent'), postgresql_where=sa.text('is_referent'))

    op.create_table('gpect_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('definition_key', sa.String(length=64), nullable=False),
    sa.Column('definition_version', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'active', 'on_hold', 'completed', 'cancelled', name=op.f('ck_gpect_plans_plan_status'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('current_stage_key', sa.String(length=64), nullable=True),
    sa.Column('on_hold_since_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['definition_key', 'definition_version'], ['gpect_definitions.key', 'gpect_definitions.version'], name='fk_gpect_plans_definition_gpect_definitions'),
    sa.ForeignKeyConstraint(['lead_id'], ['gpect_people.id'], name=op.f('fk_gpect_plans_lead_id_gpect_people')),
    sa.ForeignKeyConstraint(['territory_id'], ['gpect_territories.id'], name=op.f('fk_gpect_plans_territory_id_gpect_territories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_plans'))
    )
    with op.batch_alter_table('gpect_plans', schema=None) as batch_op:
        batch_op.create_index('ix_gpect_plans_definition', ['definition_key', 'definition_version'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpect_plans_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpect_plans_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpect_plans_territory_id'), ['territory_id'], unique=False)

    op.create_table('gpect_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('title_fr', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('target', sa.Double(), nullable=True),
    sa.Column('direction', sa.Enum('increase', 'decrease', name=op.f('ck_gpect_indicators_indicator_direction'), native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_indicators_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_indicators')),
    sa.UniqueConstraint('plan_id', 'key', name=op.f('uq_gpect_indicators_plan_id_key'))
    )
    op.create_table('gpect_plan_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('stage_key', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('lever', sa.Enum('observe', 'experiment', 'adapt', 'articulate', 'lead_change', name=op.f('ck_gpect_plan_stages_lever'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('gate', sa.Enum('auto', 'committee', name=op.f('ck_gpect_plan_stages_gate'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'open', 'awaiting_decision', 'closed', name=op.f('ck_gpect_plan_stages_stage_status'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('planned_start_date', sa.Date(), nullable=False),
    sa.Column('planned_end_date', sa.Date(), nullable=False),
    sa.Column('opened_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.Enum('approve', 'rework', 'hold', name=op.f('ck_gpect_plan_stages_stage_decision'), native_enum=False, create_constraint=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_plan_stages_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_plan_stages')),
    sa.UniqueConstraint('plan_id', 'position', name=op.f('uq_gpect_plan_stages_plan_id_position')),
    sa.UniqueConstraint('plan_id', 'stage_key', name=op.f('uq_gpect_plan_stages_plan_id_stage_key'))
    )
    op.create_table('gpect_role_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('role_key', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['gpect_organisations.id'], name=op.f('fk_gpect_role_assignments_organisation_id_gpect_organisations')),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_role_assignments_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_role_assignments')),
    sa.UniqueConstraint('plan_id', 'role_key', name=op.f('uq_gpect_role_assignments_plan_id_role_key'))
    )
    with op.batch_alter_table('gpect_role_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpect_role_assignments_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('gpect_committee_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('approve', 'rework', 'hold', name=op.f('ck_gpect_committee_decisions_decision'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('reopened_task_keys', sa.JSON(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['gpect_people.id'], name=op.f('fk_gpect_committee_decisions_decided_by_id_gpect_people')),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_committee_decisions_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_id'], ['gpect_plan_stages.id'], name=op.f('fk_gpect_committee_decisions_stage_id_gpect_plan_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_committee_decisions'))
    )
    with op.batch_alter_table('gpect_committee_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_gpect_committee_decisions_plan_decided', ['plan_id', 'decided_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpect_committee_decisions_stage_id'), ['stage_id'], unique=False)

    op.create_table('gpect_measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['gpect_indicators.id'], name=op.f('fk_gpect_measurements_indicator_id_gpect_indicators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['gpect_people.id'], name=op.f('fk_gpect_measurements_recorded_by_id_gpect_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_measurements'))
    )
    with op.batch_alter_table('gpect_measurements', schema=None) as batch_op:
        batch_op.create_index('ix_gpect_measurements_indicator_measured', ['indicator_id', 'measured_on'], unique=False)

    op.create_table('gpect_role_assignment_members',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['gpect_role_assignments.id'], name=op.f('fk_gpect_role_assignment_members_assignment_id_gpect_role_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['gpect_people.id'], name=op.f('fk_gpect_role_assignment_members_person_id_gpect_people')),
    sa.PrimaryKeyConstraint('assignment_id', 'person_id', name=op.f('pk_gpect_role_assignment_members'))
    )
    with op.batch_alter_table('gpect_role_assignment_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpect_role_assignment_members_person_id'), ['person_id'], unique=False)

    op.create_table('gpect_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('task_key', sa.String(length=64), nullable=False),
    sa.Column('owner_role', sa.String(length=64), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('todo', 'in_progress', 'blocked', 'done', 'skipped', name=op.f('ck_gpect_tasks_task_status'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('is_required', sa.Boolean(), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('started_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weight >= 1', name=op.f('ck_gpect_tasks_weight_positive')),
    sa.ForeignKeyConstraint(['assignee_id'], ['gpect_people.id'], name=op.f('fk_gpect_tasks_assignee_id_gpect_people')),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_tasks_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_id'], ['gpect_plan_stages.id'], name=op.f('fk_gpect_tasks_stage_id_gpect_plan_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_tasks')),
    sa.UniqueConstraint('plan_id', 'task_key', name=op.f('uq_gpect_tasks_plan_id_task_key'))
    )
    with op.batch_alter_table('gpect_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_gpect_tasks_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_gpect_tasks_open_due_date', ['due_date'], unique=False, sqlite_where=sa.text("status IN ('todo', 'in_progress', 'blocked')"), postgresql_where=sa.text("status IN ('todo', 'in_progress', 'blocked')"))
        batch_op.create_index(batch_op.f('ix_gpect_tasks_stage_id'), ['stage_id'], unique=False)

    op.create_table('gpect_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('from_state', sa.String(length=64), nullable=True),
    sa.Column('to_state', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('occurred_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['gpect_people.id'], name=op.f('fk_gpect_events_actor_id_gpect_people')),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_events_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_id'], ['gpect_plan_stages.id'], name=op.f('fk_gpect_events_stage_id_gpect_plan_stages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['gpect_tasks.id'], name=op.f('fk_gpect_events_task_id_gpect_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_events'))
    )
    with op.batch_alter_table('gpect_events', schema=None) as batch_op:
        batch_op.create_index('ix_gpect_events_plan_occurred', ['plan_id', 'occurred_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpect_events_task_id'), ['task_id'], unique=False)

    op.create_table('gpect_outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('recipient_email', sa.String(length=254), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'captured', name=op.f('ck_gpect_outbox_messages_outbox_status'), native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_outbox_messages_plan_id_gpect_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['gpect_people.id'], name=op.f('fk_gpect_outbox_messages_recipient_id_gpect_people')),
    sa.ForeignKeyConstraint(['task_id'], ['gpect_tasks.id'], name=op.f('fk_gpect_outbox_messages_task_id_gpect_tasks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_outbox_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_gpect_outbox_messages_idempotency_key'))
    )
    with op.batch_alter_table('gpect_outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_gpect_outbox_messages_pending_next_attempt', ['next_attempt_dt'], unique=False, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.create_index(batch_op.f('ix_gpect_outbox_messages_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpect_outbox_messages_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index('ix_gpect_outbox_messages_status_created', ['status', 'created_dt'], unique=False)

    op.create_table('gpect_task_dependencies',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('depends_on_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('task_id <> depends_on_id', name=op.f('ck_gpect_task_dependencies_not_self')),
    sa.ForeignKeyConstraint(['depends_on_id'], ['gpect_tasks.id'], name=op.f('fk_gpect_task_dependencies_depends_on_id_gpect_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['gpect_tasks.id'], name=op.f('fk_gpect_task_dependencies_task_id_gpect_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'depends_on_id', name=op.f('pk_gpect_task_dependencies'))
    )
    with op.batch_alter_table('gpect_task_dependencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpect_task_dependencies_depends_on_id'), ['depends_on_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('gpect_task_dependencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_task_dependencies_depends_on_id'))

    op.drop_table('gpect_task_dependencies')
    with op.batch_alter_table('gpect_outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_gpect_outbox_messages_status_created')
        batch_op.drop_index(batch_op.f('ix_gpect_outbox_messages_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_gpect_outbox_messages_plan_id'))
        batch_op.drop_index('ix_gpect_outbox_messages_pending_next_attempt', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.drop_table('gpect_outbox_messages')
    with op.batch_alter_table('gpect_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_events_task_id'))
        batch_op.drop_index('ix_gpect_events_plan_occurred')

    op.drop_table('gpect_events')
    with op.batch_alter_table('gpect_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_tasks_stage_id'))
        batch_op.drop_index('ix_gpect_tasks_open_due_date', sqlite_where=sa.text("status IN ('todo', 'in_progress', 'blocked')"), postgresql_where=sa.text("status IN ('todo', 'in_progress', 'blocked')"))
        batch_op.drop_index('ix_gpect_tasks_assignee_status')

    op.drop_table('gpect_tasks')
    with op.batch_alter_table('gpect_role_assignment_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_role_assignment_members_person_id'))

    op.drop_table('gpect_role_assignment_members')
    with op.batch_alter_table('gpect_measurements', schema=None) as batch_op:
        batch_op.drop_index('ix_gpect_measurements_indicator_measured')

    op.drop_table('gpect_measurements')
    with op.batch_alter_table('gpect_committee_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_committee_decisions_stage_id'))
        batch_op.drop_index('ix_gpect_committee_decisions_plan_decided')

    op.drop_table('gpect_committee_decisions')
    with op.batch_alter_table('gpect_role_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_role_assignments_organisation_id'))

    op.drop_table('gpect_role_assignments')
    op.drop_table('gpect_plan_stages')
    op.drop_table('gpect_indicators')
    with op.batch_alter_table('gpect_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_plans_territory_id'))
        batch_op.drop_index(batch_op.f('ix_gpect_plans_status'))
        batch_op.drop_index(batch_op.f('ix_gpect_plans_lead_id'))
        batch_op.drop_index('ix_gpect_plans_definition')

    op.drop_table('gpect_plans')
    with op.batch_alter_table('gpect_people', schema=None) as batch_op:
        batch_op.drop_index('uq_gpect_people_organisation_referent', sqlite_where=sa.text('is_referent'), postgresql_where=sa.text('is_referent'))
        batch_op.drop_index(batch_op.f('ix_gpect_people_organisation_id'))

    op.drop_table('gpect_people')
    with op.batch_alter_table('gpect_organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_organisations_territory_id'))

    op.drop_table('gpect_organisations')
    op.drop_table('gpect_territories')
    op.drop_table('gpect_definitions')
