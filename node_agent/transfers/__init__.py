"""Transfers between schools: sending a pupil's record to another city school, receiving one, and recording
transfers to and from schools outside the city."""
