"""Change capture, the outbox, and the client that talks to the hub."""
