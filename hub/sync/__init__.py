"""The sync API: enrolment, uplink batches into the inbox, downlink messages, sync state."""
