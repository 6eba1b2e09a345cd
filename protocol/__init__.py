"""The contract between a school node and the city hub.

Pure library: entity schemas and their versions, validation rules that both sides share
(PESEL, dates, enumerations), change records, the signed and encrypted batch envelope, acks and
keys. It must never import a web framework, an HTTP client or a database driver, so that the
node, the hub, tests and offline tools can all use exactly the same rules.
"""

PROTOCOL_VERSION = 1
