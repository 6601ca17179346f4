"""favourites (a person's pinned project, task, description, billable) and favourite_tags (issue 19 C)

Revision ID: e5a9c2f71b34
Revises: e19d2b3c4d51
Create Date: 2026-12-05 18:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5a9c2f71b34'
down_revision = 'e19d2b3c4d51'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'favourites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.String(length=1000), nullable=False),
        sa.Column('billable', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_favourites_user_id', 'favourites', ['user_id'])
    op.create_index('ix_favourites_project_id', 'favourites', ['project_id'])
    op.create_table(
        'favourite_tags',
        sa.Column('favourite_id', sa.Integer(), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['favourite_id'], ['favourites.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('favourite_id', 'tag_id'),
    )
    op.create_index('ix_favourite_tags_tag_id', 'favourite_tags', ['tag_id'])


def downgrade():
    op.drop_index('ix_favourite_tags_tag_id', table_name='favourite_tags')
    op.drop_table('favourite_tags')
    op.drop_index('ix_favourites_project_id', table_name='favourites')
    op.drop_index('ix_favourites_user_id', table_name='favourites')
    op.drop_table('favourites')
