"""Technical files of establishments, attachments and read log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SECTION_KINDS = "'remote_access', 'servers', 'rooms', 'procedures', 'recovery', 'other'"


def upgrade():

    op.create_table('techfile_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(f"kind IN ({SECTION_KINDS})", name=op.f('ck_techfile_section_kind_known')),
    sa.CheckConstraint('version > 0', name=op.f('ck_techfile_section_version_positive')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_techfile_section_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_techfile_section_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_techfile_section_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_techfile_section')),
    sa.UniqueConstraint('establishment_id', 'kind', name=op.f('uq_techfile_section_establishment_id_kind'))
    )
    with op.batch_alter_table('techfile_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_techfile_section_establishment_id'), ['establishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_techfile_section_groupement_id'), ['groupement_id'], unique=False)

    op.create_table('techfile_section_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('no_password_confirmed', sa.Boolean(), nullable=False),
    sa.Column('purged_at', sa.DateTime(), nullable=True),
    sa.Column('purged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_techfile_section_version_author_id_user')),
    sa.ForeignKeyConstraint(['purged_by_id'], ['user.id'], name=op.f('fk_techfile_section_version_purged_by_id_user')),
    sa.ForeignKeyConstraint(['section_id'], ['techfile_section.id'], name=op.f('fk_techfile_section_version_section_id_techfile_section')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_techfile_section_version')),
    sa.UniqueConstraint('section_id', 'version', name=op.f('uq_techfile_section_version_section_id_version'))
    )
    with op.batch_alter_table('techfile_section_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_techfile_section_version_section_id'), ['section_id'], unique=False)

    op.create_table('techfile_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('size > 0', name=op.f('ck_techfile_attachment_size_positive')),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['user.id'], name=op.f('fk_techfile_attachment_deleted_by_id_user')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_techfile_attachment_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_techfile_attachment_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_techfile_attachment_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_techfile_attachment'))
    )
    with op.batch_alter_table('techfile_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_techfile_attachment_establishment_id'), ['establishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_techfile_attachment_groupement_id'), ['groupement_id'], unique=False)

    op.create_table('techfile_attachment_content',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['techfile_attachment.id'], name=op.f('fk_techfile_attachment_content_attachment_id_techfile_attachment')),
    sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_techfile_attachment_content'))
    )

    op.create_table('techfile_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('groupement_id', sa.Integer(), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('section_kind', sa.String(length=20), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('intervention_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('file', 'version', 'attachment')", name=op.f('ck_techfile_read_kind_known')),
    sa.ForeignKeyConstraint(['attachment_id'], ['techfile_attachment.id'], name=op.f('fk_techfile_read_attachment_id_techfile_attachment')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_techfile_read_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['groupement_id'], ['groupement.id'], name=op.f('fk_techfile_read_groupement_id_groupement')),
    sa.ForeignKeyConstraint(['intervention_id'], ['intervention.id'], name=op.f('fk_techfile_read_intervention_id_intervention')),
    sa.ForeignKeyConstraint(['reader_id'], ['user.id'], name=op.f('fk_techfile_read_reader_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_techfile_read'))
    )
    with op.batch_alter_table('techfile_read', schema=None) as batch_op:
        batch_op.create_index('ix_techfile_read_establishment_at', ['establishment_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_techfile_read_groupement_id'), ['groupement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_techfile_read_reader_id'), ['reader_id'], unique=False)


def downgrade():

    with op.batch_alter_table('techfile_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_techfile_read_reader_id'))
        batch_op.drop_index(batch_op.f('ix_techfile_read_groupement_id'))
        batch_op.drop_index('ix_techfile_read_establishment_at')

    op.drop_table('techfile_read')
    op.drop_table('techfile_attachment_content')
    with op.batch_alter_table('techfile_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_techfile_attachment_groupement_id'))
        batch_op.drop_index(batch_op.f('ix_techfile_attachment_establishment_id'))

    op.drop_table('techfile_attachment')
    with op.batch_alter_table('techfile_section_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_techfile_section_version_section_id'))

    op.drop_table('techfile_section_version')
    with op.batch_alter_table('techfile_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_techfile_section_groupement_id'))
        batch_op.drop_index(batch_op.f('ix_techfile_section_establishment_id'))

    op.drop_table('techfile_section')
