"""catchment children are synced to the hub (the city's compulsory-schooling control)

Revision ID: 0022
Revises: 0014
Create Date: 2026-11-29 09:20:00

``catchment_child`` becomes the protocol entity of the same name: from now on the capture
triggers (installed at every start) queue each write. The children listed before the upgrade are
queued here, in the form the trigger gives, so the hub's copy starts complete. The table itself is
unchanged (it already has every field of the entity).
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0022'
down_revision: Union[str, Sequence[str], None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# catchment_child v1 as protocol.entities_catchment.CATCHMENT_CHILD serialises it (the capture trigger's form).
V1_JSON = ("json_object('id', id, 'school_year', school_year, 'pesel', pesel, 'document_type', document_type, "
           "'document_number', document_number, 'birth_date', birth_date, 'status', status, "
           "'decision_number', decision_number, 'other_school', other_school, "
           "'other_school_address', other_school_address)")


def upgrade() -> None:
    """Queue the existing children for the hub."""
    op.execute("INSERT INTO sync_outbox (entity, v, pk, op, ts, data) "
               "SELECT 'catchment_child', 1, id, 'upsert', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), "
               f"{V1_JSON} FROM catchment_child ORDER BY school_year, id")


def downgrade() -> None:
    """Nothing to undo in the schema; the queued changes are the hub's business once sent."""
    op.execute("DELETE FROM sync_outbox WHERE entity = 'catchment_child'")
