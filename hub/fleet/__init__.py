"""The fleet of school nodes: institutions, enrolment tokens, node keys, revocation."""
