"""pytest fixtures over daka_harness: a server per module, fresh servers on demand, an SDK client."""

from typing import Iterator, List

import lark_oapi as lark
import pytest

from daka_harness import Daka, start_daka


@pytest.fixture(scope="module")
def daka(tmp_path_factory) -> Iterator[Daka]:
    """One server per test module (tests use unique ids so they don't see each other's data)."""
    d = start_daka(tmp_path_factory.mktemp("daka"))
    yield d
    d.stop()
    d.db.close()


@pytest.fixture
def fresh_daka(tmp_path) -> Iterator[Daka]:
    """A server of its own, for tests that count or restart."""
    servers: List[Daka] = []

    def make(**kw) -> Daka:
        d = start_daka(tmp_path / f"s{len(servers)}", **kw)
        servers.append(d)
        return d

    yield make
    for d in servers:
        d.stop()
        d.db.close()


@pytest.fixture(scope="module")
def client(daka: Daka) -> lark.Client:
    return daka.client()
