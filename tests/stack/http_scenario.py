"""The scenario every generated stack is driven through over HTTP (TypeScript and Go).

The same steps as the Python stacks' scenario: auth (401/403), sensitive columns, create
(201 + Location), validation (422 with field details), duplicates (409), list (envelope,
pagination, links), get, 404, partial update, a JSON column round trip, an FK violation,
delete (204). People are inserted with SQL (they come from a registration flow, not an
endpoint); tokens are signed the way the generated auth module signs them.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import jwt

SECRET = "s" * 40
REFRESH_SECRET = "r" * 40


class Http:
    def __init__(self, base: str):
        self.base = base

    def __call__(self, method: str, path: str, body=None, token: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                status, headers, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, headers, raw = e.code, e.headers, e.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = {"raw": raw.decode(errors="replace")}
        return status, headers, parsed


def token(sub, email, roles, *, secret: str = SECRET, expired: bool = False) -> str:
    now = int(time.time()) - (7200 if expired else 0)
    claims = {
        "sub": str(sub),
        "email": email,
        "roles": roles,
        "iat": now,
        "exp": now + 900,
        "type": "access",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def fields_of(body) -> set[str]:
    return {d.get("field", "").split(".")[-1] for d in body["error"]["details"]}


def people(conn) -> tuple[dict, dict]:
    rows = []
    for email, name, role in (
        ("admin@example.com", "Ada", "admin"),
        ("m@example.com", "Max", None),
    ):
        cols = "email, name, password_hash" + (", role" if role else "")
        vals = [email, name, "x" * 20] + ([role] if role else [])
        marks = ", ".join(["%s"] * len(vals))
        row = conn.execute(
            f"INSERT INTO users ({cols}) VALUES ({marks}) RETURNING id, email, role", vals
        ).fetchone()
        rows.append({"id": row[0], "email": row[1], "role": row[2]})
    return rows[0], rows[1]


def replace_and_clear(call, products: str, pid, tok: str) -> None:
    """PUT replaces the whole resource (every writable field is sent; a nullable one may be
    null); PATCH with null clears a nullable column and refuses null for a NOT NULL one, and
    leaves out what is not sent."""
    item = f"{products}/{pid}"
    status, _, body = call("PUT", item, {"sku": "A-1", "name": "Anvil II"}, token=tok)
    assert status == 422 and body["error"]["code"] == "VALIDATION_ERROR", body
    assert {"price_cents", "tags"} <= fields_of(body), body
    assert call("GET", item, token=tok)[2]["data"]["name"] == "Anvil", "a refused PUT changed the row"
    full = {"sku": "A-1", "name": "Anvil II", "price_cents": 300, "tags": None}
    status, _, body = call("PUT", item, full, token=tok)
    assert status == 200, body
    assert body["data"]["name"] == "Anvil II" and body["data"]["price_cents"] == 300, body
    assert body["data"]["tags"] is None, body
    status, _, body = call("PUT", item, {**full, "id": 5}, token=tok)
    assert status == 422 and "id" in fields_of(body), body
    status, _, body = call("PUT", f"{products}/987654", full, token=tok)
    assert status == 404, body
    status, _, body = call("PATCH", item, {"tags": ["cast", "iron"]}, token=tok)
    assert status == 200 and body["data"]["tags"] == ["cast", "iron"], body
    status, _, body = call("PATCH", item, {"tags": None}, token=tok)
    assert status == 200 and body["data"]["tags"] is None, body
    assert body["data"]["price_cents"] == 300 and body["data"]["name"] == "Anvil II", body
    status, _, body = call("PATCH", item, {"name": None}, token=tok)
    assert status == 422 and "name" in fields_of(body), body
    status, _, body = call("GET", item, token=tok)
    assert body["data"]["name"] == "Anvil II" and body["data"]["tags"] is None, body


def exercise(call: Http, conn, paths: dict[str, str], *, creates_users: bool = True) -> None:
    """``paths``: table -> its collection path as mounted (e.g. ``/order-items``);
    ``creates_users``: the users endpoint takes a write-only ``password`` and stores its hash."""
    P = paths
    admin, member = people(conn)
    assert member["role"] == "member"
    admin_t = token(admin["id"], admin["email"], ["admin"])
    member_t = token(member["id"], member["email"], ["member"])

    status, _, body = call("GET", P["products"])
    assert status == 401 and body["error"]["code"] == "UNAUTHORIZED", body
    assert call("GET", P["products"], token=token(1, "a@b.c", ["admin"], expired=True))[0] == 401
    assert call("GET", P["products"], token=token(1, "a@b.c", ["admin"], secret="f" * 40))[0] == 401
    status, _, body = call("GET", P["users"], token=member_t)
    assert status == 403 and body["error"]["code"] == "FORBIDDEN", body

    status, _, body = call("GET", f"{P['users']}/{member['id']}", token=admin_t)
    assert status == 200, body
    assert body["data"]["email"] == "m@example.com" and body["data"]["id"] == member["id"]
    assert "password_hash" not in body["data"] and "role" not in body["data"]
    status, _, body = call("GET", P["users"], token=admin_t)
    assert status == 200 and body["data"] and all("password_hash" not in u for u in body["data"]), (
        body
    )
    status, _, body = call(
        "PATCH",
        f"{P['users']}/{member['id']}",
        {"role": "admin", "password_hash": "z"},
        token=admin_t,
    )
    assert status == 422 and {"role", "password_hash"} <= fields_of(body), body
    assert (
        conn.execute("SELECT role FROM users WHERE id = %s", [member["id"]]).fetchone()[0]
        == "member"
    )
    if creates_users:
        new = {"email": "nia@example.com", "name": "Nia", "password": "correct horse"}
        status, _, body = call("POST", P["users"], new, token=admin_t)
        assert status == 201, body
        assert body["data"]["email"] == new["email"], body
        assert not {"password", "password_hash", "role"} & set(body["data"]), body
        stored, role = conn.execute(
            "SELECT password_hash, role FROM users WHERE email = %s", [new["email"]]
        ).fetchone()
        assert stored and "correct horse" not in stored and role == "member", stored
        status, _, body = call(
            "POST", P["users"], {"email": "x@example.com", "name": "X"}, token=admin_t
        )
        assert status == 422 and "password" in fields_of(body), body
        # the write-only password may be left out of PATCH and PUT, but a null is refused
        uid = conn.execute("SELECT id FROM users WHERE email = %s", [new["email"]]).fetchone()[0]
        status, _, body = call("PATCH", f"{P['users']}/{uid}", {"password": None}, token=admin_t)
        assert status == 422 and "password" in fields_of(body), body
        status, _, body = call(
            "PUT",
            f"{P['users']}/{uid}",
            {"email": new["email"], "name": "Nia", "password": None},
            token=admin_t,
        )
        assert status == 422 and "password" in fields_of(body), body
        status, _, body = call("PATCH", f"{P['users']}/{uid}", {"name": "Nia B"}, token=admin_t)
        assert status == 200 and body["data"]["name"] == "Nia B", body
        assert (
            conn.execute("SELECT password_hash FROM users WHERE id = %s", [uid]).fetchone()[0]
            == stored
        )

    status, headers, body = call(
        "POST",
        P["products"],
        {"sku": "A-1", "name": "Anvil", "price_cents": 0, "tags": ["iron", "heavy"]},
        token=member_t,
    )
    assert status == 201, body
    anvil = body["data"]
    assert (
        isinstance(anvil["id"], int)
        and anvil["price_cents"] == 0
        and anvil["tags"] == ["iron", "heavy"]
    ), anvil
    location = headers.get("Location")
    assert location and location.rstrip("/").endswith(f"{P['products']}/{anvil['id']}"), location
    status, _, body = call("POST", P["products"], {"sku": "B-2", "name": "Bell"}, token=member_t)
    assert status == 201 and body["data"]["price_cents"] == 0, body
    bell = body["data"]
    status, _, body = call(
        "POST", P["products"], {"id": 99, "sku": "C-3", "name": "Cog"}, token=member_t
    )
    assert status == 422 and "id" in fields_of(body), body

    status, _, body = call("POST", P["products"], {"name": 5}, token=member_t)
    assert status == 422 and body["error"]["code"] == "VALIDATION_ERROR", body
    assert {"sku", "name"} <= fields_of(body), body

    status, _, body = call("POST", P["products"], {"sku": "A-1", "name": "Again"}, token=member_t)
    assert status == 409 and body["error"]["code"] == "CONFLICT", body

    status, _, body = call(
        "GET", f"{P['products']}?page=1&limit=1&sort=sku&order=desc", token=member_t
    )
    assert status == 200, body
    assert [p["sku"] for p in body["data"]] == ["B-2"]
    assert body["meta"] == {"page": 1, "limit": 1, "total": 2}, body
    assert (
        body["links"]["next"]
        and "page=2" in body["links"]["next"]
        and body["links"]["prev"] is None
    )
    status, _, body = call(
        "GET", f"{P['products']}?page=2&limit=1&sort=sku&order=desc", token=member_t
    )
    assert [p["sku"] for p in body["data"]] == ["A-1"] and body["links"]["next"] is None, body
    assert body["links"]["prev"] and "page=1" in body["links"]["prev"]

    status, _, body = call("GET", f"{P['products']}/{bell['id']}", token=member_t)
    assert status == 200 and body["data"]["name"] == "Bell", body
    status, _, body = call("GET", f"{P['products']}/987654", token=member_t)
    assert status == 404 and body["error"]["code"] == "NOT_FOUND", body

    status, _, body = call(
        "PATCH", f"{P['products']}/{anvil['id']}", {"price_cents": 250}, token=member_t
    )
    assert status == 200, body
    assert (
        body["data"]["price_cents"] == 250
        and body["data"]["name"] == "Anvil"
        and body["data"]["sku"] == "A-1"
    )
    assert body["data"]["tags"] == ["iron", "heavy"], body
    status, _, body = call("PATCH", f"{P['products']}/987654", {"price_cents": 1}, token=member_t)
    assert status == 404, body
    status, _, body = call(
        "PATCH", f"{P['products']}/{anvil['id']}", {"price_cents": -1}, token=member_t
    )
    assert status == 422, body
    replace_and_clear(call, P["products"], anvil["id"], member_t)

    details = {"gift": True, "note": "ring twice", "lines": [1, 2, 3]}
    status, _, body = call(
        "POST", P["orders"], {"user_id": member["id"], "details": details}, token=member_t
    )
    assert status == 201, body
    order = body["data"]
    assert order["details"] == details and order["status"] == "new", order
    status, _, body = call("GET", f"{P['orders']}/{order['id']}", token=member_t)
    assert body["data"]["details"] == details, body
    status, _, body = call(
        "PATCH", f"{P['orders']}/{order['id']}", {"details": [1, "two"]}, token=member_t
    )
    assert (
        status == 200
        and body["data"]["details"] == [1, "two"]
        and body["data"]["user_id"] == member["id"]
    ), body
    status, _, body = call("POST", P["orders"], {"user_id": 987654}, token=member_t)
    assert status == 422 and body["error"]["code"] == "VALIDATION_ERROR", body

    item = {"order_id": order["id"], "product_id": anvil["id"], "quantity": 2}
    status, _, body = call("POST", P["order_items"], item, token=member_t)
    assert status == 201, body
    item_id = body["data"]["id"]
    status, _, body = call("POST", P["order_items"], item, token=member_t)
    assert status == 409, body
    status, _, body = call("DELETE", f"{P['products']}/{anvil['id']}", token=member_t)
    assert status == 409, body

    status, _, body = call("DELETE", f"{P['order_items']}/{item_id}", token=member_t)
    assert status == 204 and body is None, body
    status, _, body = call("DELETE", f"{P['order_items']}/{item_id}", token=member_t)
    assert status == 404 and body["error"]["code"] == "NOT_FOUND", body
    assert call("DELETE", f"{P['products']}/{anvil['id']}", token=member_t)[0] == 204
