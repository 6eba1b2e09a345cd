"""Imports every hub model module so the metadata (and Alembic) sees all tables."""

from hub.auth.models import HubLoginAttempt, HubUser
from hub.compulsory.models import CaseEvent, ChildAccess, ControlCase, Exemption, RegisterImport, ResidentChild
from hub.dictionaries.models import CityDictionary
from hub.fleet.models import EnrolmentToken, Institution, Node
from hub.ownership.models import ForwardedRequest
from hub.recruitment.models import Campaign  # noqa: F401 - registers every recruitment table (issue 6)
from hub.sync.models import DownlinkEntry, HubIdentity, InboxBatch, NodeContact, NodeSyncState, SecurityEvent
from hub.transfers.models import DirectorySent, TransferRoute

__all__ = [
    "CaseEvent", "ChildAccess", "CityDictionary", "ControlCase", "DownlinkEntry", "EnrolmentToken", "Exemption",
    "ForwardedRequest", "HubIdentity", "HubLoginAttempt", "HubUser", "InboxBatch", "Institution", "Node",
    "NodeContact", "NodeSyncState", "RegisterImport", "ResidentChild", "SecurityEvent",
    "DirectorySent", "TransferRoute",
]
