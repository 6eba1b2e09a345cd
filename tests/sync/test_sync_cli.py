"""`zszo node sync` as the school's IT person runs it: exit status and the reason in Polish."""

from __future__ import annotations

import os

from tests.integration.harness import free_port, run
from tests.sync.helpers import HubServer, SchoolNode, fill_register


def _env(node: SchoolNode) -> dict[str, str]:
    env = {**os.environ, "ZSZO_NODE_PATHS_DATA_DIR": str(node.settings["paths.data_dir"])}
    env.pop("ZSZO_NODE_CONFIG", None)
    return env


def test_sync_of_a_node_not_enrolled_fails_with_the_reason(node_db: SchoolNode):
    node_db.close()
    result = run(["node", "sync"], env=_env(node_db), check=False)
    assert result.returncode == 1
    assert ("Error: sync failed: Ten serwer nie jest jeszcze zarejestrowany na serwerze miejskim. Poproś dział IT "
            "miasta o kod rejestracyjny i uruchom `zszo node enrol`. [not_enrolled] not_enrolled") in result.stderr


def test_sync_with_the_hub_unreachable_fails_and_keeps_the_outbox(hub: HubServer, node: SchoolNode):
    fill_register(node, pupils=1, doc_only=0)
    outbox = node.outbox()
    node.set_state(hub_url=f"http://127.0.0.1:{free_port()}")  # nobody listens there
    node.close()
    result = run(["node", "sync"], env={**_env(node), "ZSZO_NODE_SYNC_RETRIES": "0"}, check=False)
    assert result.returncode == 1
    assert "Error: sync failed: Brak połączenia z serwerem miejskim." in result.stderr and "[offline]" in result.stderr
    assert node.outbox() == outbox


def test_a_successful_sync_exits_zero_and_says_what_it_sent(hub: HubServer, node: SchoolNode):
    node.close()
    result = run(["node", "sync"], env=_env(node))
    assert result.returncode == 0 and result.stderr == ""
    (_, _, acked, batches, changes), = hub.sync_states()
    # The school record, then the city's subjects the hub sent down (stored here, so captured and sent).
    assert result.stdout == f"sent {changes} changes in {batches} batches, received 1 messages, 0 changes waiting\n"
    assert batches == 2 and changes == acked == node.last_seq() > 1
