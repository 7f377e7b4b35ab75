"""The shop's HTTP API (FastAPI), with the mistakes the demo points out."""

import hashlib

import psycopg
from fastapi import Depends, FastAPI, Request

from .auth import current_user

app = FastAPI()


@app.post("/login")
async def login(payload: dict):
    # no rate limiter on an authentication route; the body is an untyped dict
    email = payload["email"]
    password = payload["password"]
    with psycopg.connect("postgresql://shop@localhost/shop") as conn:  # a connection per request
        row = conn.execute(
            f"SELECT id, password_hash FROM users WHERE email = '{email}'"  # SQL built from input
        ).fetchone()
    if row is None or row[1] != hashlib.sha256(password.encode()).hexdigest():  # a fast hash
        return {"error": "invalid credentials"}
    return {"data": {"user_id": row[0]}}


@app.get("/users/{user_id}/orders")
async def list_orders(user_id: int, user=Depends(current_user)):
    with psycopg.connect("postgresql://shop@localhost/shop") as conn:
        orders = conn.execute("SELECT * FROM orders WHERE user_id = %s", (user_id,)).fetchall()
        for order in orders:  # one query per order: N+1
            order_items = conn.execute("SELECT id, sku FROM order_items WHERE order_id = %s", (order[0],))
    return {"data": orders}
