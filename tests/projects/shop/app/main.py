"""The shop's HTTP API."""
import hashlib

from fastapi import FastAPI, HTTPException

from app.db import db

app = FastAPI(title="shop")


@app.get("/users/{id}")
def get_user(id: int):
    user = db.get("users", id)
    if user is None:
        raise HTTPException(status_code=404)
    return {"data": user}


@app.post("/users", status_code=201)
def create_user(body: dict):
    email = body["email"].strip().lower()
    if db.find("users", email=email):
        raise HTTPException(status_code=409, detail="email taken")
    digest = hashlib.sha256(body["password"].encode()).hexdigest()
    user = db.insert("users", {"email": email, "password_hash": digest})
    return {"data": user}
