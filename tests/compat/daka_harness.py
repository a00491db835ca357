"""Runs a real `daka serve` and point the official Python SDK (lark-oapi) at it.

Environment:
  DAKA_BIN                 the daka binary (default target/release/daka, else target/debug/daka)
  DAKA_TEST_DATABASE_URL   run against PostgreSQL instead of a SQLite file in a temp dir. The
                           URL names a server (and a maintenance database such as `postgres`);
                           every daka server of the suite gets its own fresh database, created by
                           `fresh_database()` below and dropped afterwards.

Each server gets its own app_id: the SDK caches tokens process-wide keyed by app_id alone, so two
servers sharing one app_id would make the second see the first one's token.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import lark_oapi as lark
import lark_oapi.api.attendance.v1 as att
import lark_oapi.api.contact.v3 as contact
import requests

ROOT = Path(__file__).resolve().parents[2]
TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
APP_TOKEN_PATH = "/open-apis/auth/v3/app_access_token/internal"


def daka_bin() -> Path:
    env = os.environ.get("DAKA_BIN")
    if env:
        p = Path(env)
        return p if p.is_absolute() else ROOT / p
    for candidate in (ROOT / "target/release/daka", ROOT / "target/debug/daka"):
        if candidate.exists():
            return candidate
    raise RuntimeError("no daka binary: build it with `cargo build --release -p daka` or set DAKA_BIN")


def new_app_id() -> str:
    return "cli_" + secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_hex(16)


# --------------------------------------------------------------------------------------------
# Databases. SQLite: a file in the server's temp data dir (nothing to do). PostgreSQL: one fresh
# database per server, made from DAKA_TEST_DATABASE_URL. This is the one place to change when the
# PostgreSQL run is wired into scripts/test.
# --------------------------------------------------------------------------------------------


def postgres_admin_url() -> Optional[str]:
    return os.environ.get("DAKA_TEST_DATABASE_URL") or None


def _with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


class Database:
    """Where one daka server keeps its data: `args` are the CLI flags selecting it."""

    def __init__(self, data_dir: Path, url: Optional[str] = None, drop: Optional[str] = None):
        self.data_dir = data_dir
        self.url = url
        self._drop = drop

    @property
    def args(self) -> List[str]:
        return ["--database", self.url] if self.url else ["--data-dir", str(self.data_dir)]

    @property
    def is_sqlite(self) -> bool:
        return self.url is None

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "daka.db"

    def execute(self, *statements: str) -> None:
        """Runs SQL statements in one session, behind daka's back (for states the API cannot make)."""
        if self.url is None:
            with sqlite3.connect(self.sqlite_path, timeout=10) as db:
                for st in statements:
                    db.execute(st)
        else:
            subprocess.run(["psql", self.url, "-q", "-v", "ON_ERROR_STOP=1", "-c", "; ".join(statements)],
                           check=True, capture_output=True)

    def close(self) -> None:
        if self._drop:
            admin = postgres_admin_url()
            assert admin is not None
            subprocess.run(["psql", admin, "-q", "-c", f'DROP DATABASE IF EXISTS "{self._drop}" WITH (FORCE)'],
                           check=False, capture_output=True)


def fresh_database(data_dir: Path) -> Database:
    admin = postgres_admin_url()
    if admin is None:
        return Database(data_dir)
    name = "daka_test_" + secrets.token_hex(6)
    subprocess.run(["psql", admin, "-q", "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
    return Database(data_dir, url=_with_database(admin, name), drop=name)


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


@dataclass
class Daka:
    """A running `daka serve` and the credentials of its bootstrap app."""

    db: Database
    app_id: str = field(default_factory=new_app_id)
    app_secret: str = field(default_factory=new_secret)
    rate_limit: str = "off"
    extra_args: List[str] = field(default_factory=list)
    proc: Optional[subprocess.Popen] = None
    base_url: str = ""
    output: List[str] = field(default_factory=list)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> "Daka":
        env = dict(os.environ, DAKA_APP_ID=self.app_id, DAKA_APP_SECRET=self.app_secret, DAKA_LOG="warn")
        cmd = [str(daka_bin()), *self.db.args, "serve", "--listen", "127.0.0.1:0",
               "--rate-limit", self.rate_limit, *self.extra_args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        found = threading.Event()

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.output.append(line.rstrip("\n"))
                m = re.search(r"daka listening on (http://\S+)", line)
                if m and not found.is_set():
                    self.base_url = m.group(1)
                    found.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found.is_set():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("daka did not start:\n" + "\n".join(self.output))
            found.wait(0.05)
        return self

    def stop(self) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        return rc

    # -- helpers -----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def host_port(self) -> tuple:
        parts = urllib.parse.urlsplit(self.base_url)
        return parts.hostname, parts.port

    def client(self, app_id: Optional[str] = None, app_secret: Optional[str] = None,
               set_token: bool = False) -> lark.Client:
        """An SDK client of this server; `set_token` lets calls bring their own token in RequestOption."""
        return (lark.Client.builder()
                .app_id(app_id or self.app_id)
                .app_secret(app_secret or self.app_secret)
                .domain(self.base_url)
                .enable_set_token(set_token)
                .log_level(lark.LogLevel.ERROR)
                .build())

    def cli(self, *args: str) -> str:
        """Runs a daka operator command against this server's database."""
        out = subprocess.run([str(daka_bin()), *self.db.args, *args], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"daka {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def create_app(self, scopes: Optional[List[str]] = None) -> tuple:
        """A new app of the same tenant, made with `daka apps create`; returns (app_id, secret)."""
        app_id, secret = new_app_id(), new_secret()
        args = ["apps", "create", "--app-id", app_id, "--app-secret", secret, "--name", "compat-test"]
        if scopes is not None:
            args += ["--scopes", ",".join(scopes)]
        self.cli(*args)
        return app_id, secret

    def token(self, app_id: Optional[str] = None, app_secret: Optional[str] = None) -> str:
        r = requests.post(self.url(TOKEN_PATH), timeout=10,
                          json={"app_id": app_id or self.app_id, "app_secret": app_secret or self.app_secret})
        body = r.json()
        assert body["code"] == 0, body
        return body["tenant_access_token"]

    def call(self, method: str, path: str, token: Optional[str] = None, **kw) -> requests.Response:
        """A raw HTTP call with the bootstrap app's tenant token (or `token`)."""
        headers = kw.pop("headers", {})
        headers.setdefault("Authorization", "Bearer " + (token or self.token()))
        return requests.request(method, self.url(path), headers=headers, timeout=30, **kw)


def start_daka(tmp: Path, **kw) -> Daka:
    return Daka(db=fresh_database(tmp), **kw).start()


# --------------------------------------------------------------------------------------------
# Test data
# --------------------------------------------------------------------------------------------


def uid(prefix: str = "u") -> str:
    """A user_id no other test uses."""
    return f"{prefix}{secrets.token_hex(4)}"


def as_dict(obj) -> dict:
    """An SDK model as the JSON it stands for."""
    return json.loads(lark.JSON.marshal(obj))


# --------------------------------------------------------------------------------------------
# SDK shorthands (every call goes through lark-oapi's typed API)
# --------------------------------------------------------------------------------------------

# 2024-01-15T01:00:00Z (09:00 in Asia/Shanghai): a punch instant well after the 2022 floor.
T0 = 1705280400


def create_user(client: lark.Client, user_id: str, name: Optional[str] = None,
                employee_no: Optional[str] = None, join_time: Optional[int] = None):
    b = contact.User.builder().user_id(user_id).name(name or f"Name {user_id}")
    b = b.department_ids(["0"]).employee_type(1).mobile("+8613800000000")
    if employee_no is not None:
        b = b.employee_no(employee_no)
    if join_time is not None:
        b = b.join_time(join_time)
    req = contact.CreateUserRequest.builder().user_id_type("user_id").request_body(b.build()).build()
    return client.contact.v3.user.create(req)


def new_user(client: lark.Client, prefix: str = "u", employee_no: Optional[str] = None) -> str:
    user_id = uid(prefix)
    resp = create_user(client, user_id, employee_no=employee_no)
    assert resp.code == 0, (resp.code, resp.msg)
    return user_id


def flow(user_id: str, check_time: int, creator_id: Optional[str] = None, **fields) -> "att.UserFlow":
    f = att.UserFlow({
        "user_id": user_id,
        "creator_id": creator_id or user_id,
        "location_name": "西溪八方城",
        "check_time": str(check_time),
        "comment": "上班打卡",
    })
    for k, v in fields.items():
        setattr(f, k, v)
    return f


def import_flows(client: lark.Client, records, employee_type: str = "employee_id", option=None):
    req = (att.BatchCreateUserFlowRequest.builder().employee_type(employee_type)
           .request_body(att.BatchCreateUserFlowRequestBody.builder().flow_records(list(records)).build())
           .build())
    return client.attendance.v1.user_flow.batch_create(req, option) if option else \
        client.attendance.v1.user_flow.batch_create(req)


def query_flows(client: lark.Client, user_ids, frm: int = 1640995200, to: int = 4102444800,
                employee_type: str = "employee_id", include_terminated=None):
    b = att.QueryUserFlowRequest.builder().employee_type(employee_type)
    if include_terminated is not None:
        b = b.include_terminated_user(include_terminated)
    body = (att.QueryUserFlowRequestBody.builder().user_ids(list(user_ids))
            .check_time_from(str(frm)).check_time_to(str(to)).build())
    return client.attendance.v1.user_flow.query(b.request_body(body).build())


def get_flow(client: lark.Client, record_id: str, employee_type: str = "employee_id"):
    req = att.GetUserFlowRequest.builder().user_flow_id(record_id).employee_type(employee_type).build()
    return client.attendance.v1.user_flow.get(req)


def delete_flows(client: lark.Client, record_ids):
    body = att.BatchDelUserFlowRequestBody.builder().record_ids(list(record_ids)).build()
    return client.attendance.v1.user_flow.batch_del(att.BatchDelUserFlowRequest.builder().request_body(body).build())


def record_ids_of(user_id: str, client: lark.Client, **kw) -> List[str]:
    resp = query_flows(client, [user_id], **kw)
    assert resp.code == 0, (resp.code, resp.msg)
    return [f.record_id for f in (resp.data.user_flow_results or [])]
