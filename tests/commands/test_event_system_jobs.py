"""EVENT_SYSTEM moves a slow call out of the request only when it is safe, and the moved job
really runs: the rewritten Flask and FastAPI handlers are driven with the framework's test
client while a local SMTP sink (written here) receives the mail a real worker thread sends.

- the requests answer before any mail is accepted (the sink holds its greeting until the
  test opens a gate), the responses say ``queued`` instead of claiming the mail sent;
- every mail arrives once the worker has drained the queue, one per signup;
- a job whose first attempt fails (the sink turns the first connection away) is retried
  and sends once; the same event enqueued again (a retried request, a redelivered job)
  does not send twice;
- a call on an SMTP connection the handler closes (``with`` block, ``quit()``), or one that
  is handed the request's database session, is not moved: no edit, and the reason.
"""

from __future__ import annotations

import json
import os
import socketserver
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from backend_architect.core.languages import error_count

from . import pure
from .lsp_helpers import position_of

MAIL_PY = '''
import os
import smtplib
from email.message import EmailMessage


def send_email(to: str, name: str) -> bool:
    """Opens its own SMTP connection: the job needs nothing of the request."""
    msg = EmailMessage()
    msg["From"] = "shop@example.com"
    msg["To"] = to
    msg["Subject"] = f"Welcome {name}"
    msg.set_content("Thanks for signing up.")
    with smtplib.SMTP(os.environ["SMTP_HOST"], int(os.environ["SMTP_PORT"]), timeout=20) as smtp:
        smtp.send_message(msg)
    return True
'''

FLASK_APP = '''
import os
import smtplib

from flask import Flask, request

from mail import send_email

app = Flask(__name__)
USERS: list = []


@app.post("/signups")
def signup():
    body = request.get_json()
    USERS.append(body)
    user_id = len(USERS)
    sent = send_email(body["email"], body["name"])
    return {"id": user_id, "sent": sent}, 201


@app.post("/invites")
def invite():
    body = request.get_json()
    with smtplib.SMTP(os.environ["SMTP_HOST"], int(os.environ["SMTP_PORT"])) as smtp:
        smtp.sendmail("shop@example.com", [body["email"]], "Subject: invite\\n\\nhello")
    return {"sent": True}


@app.post("/reminders")
def remind():
    body = request.get_json()
    server = smtplib.SMTP(os.environ["SMTP_HOST"], int(os.environ["SMTP_PORT"]))
    server.sendmail("shop@example.com", [body["email"]], "Subject: reminder\\n\\nhello")
    server.quit()
    return {"sent": True}
'''

FASTAPI_APP = '''
from fastapi import Depends, FastAPI
from pydantic import BaseModel

from mail import send_email

app = FastAPI()


class Signup(BaseModel):
    email: str
    name: str


def get_db():
    yield object()


@app.post("/orders/{order_id}/confirmations", status_code=201)
def confirm(order_id: int, body: Signup):
    sent = send_email(body.email, body.name)
    return {"order_id": order_id, "sent": sent}


@app.post("/receipts/{order_id}", status_code=201)
def receipt(order_id: int, db=Depends(get_db)):
    send_email(db, "receipt")
    return {"ok": True}
'''

FLASK_PROBE = """
import json, sys
import app, jobs
client = app.app.test_client()
out = []
for i in range(6):
    r = client.post("/signups", json={"email": f"u{i}@example.com", "name": f"U{i}"})
    out.append([r.status_code, r.get_json()])
print(json.dumps(out), flush=True)
sys.stdin.readline()
jobs.drain()
# the same event again (a redelivered job): its key already ran
import mail
key = jobs.enqueue(mail.send_email, "u0@example.com", "U0", key="SignupCreated:1:send_email")
jobs.drain()
print(json.dumps({"key": key, "done": jobs.is_done(key)}), flush=True)
"""

FASTAPI_PROBE = """
import json, sys
from fastapi.testclient import TestClient
import app, jobs
client = TestClient(app.app)
out = []
for i in range(6):
    r = client.post(f"/orders/{i}/confirmations", json={"email": f"u{i}@example.com", "name": f"U{i}"})
    out.append([r.status_code, r.json()])
# a retried request: the same order confirmed again
r = client.post("/orders/0/confirmations", json={"email": "u0@example.com", "name": "U0"})
out.append([r.status_code, r.json()])
print(json.dumps(out), flush=True)
sys.stdin.readline()
jobs.drain()
print(json.dumps({"done": jobs.is_done("ConfirmationCreated:0:send_email")}), flush=True)
"""


class Sink(socketserver.ThreadingTCPServer):
    """A tiny SMTP server: holds its greeting until ``gate`` is set, turns the first
    ``refuse`` connections away (421), keeps every message it accepts."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refuse: int = 0):
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.gate = threading.Event()
        self.refuse = refuse
        self.messages: list[dict] = []
        self.lock = threading.Lock()


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self) -> None:
        server: Sink = self.server  # type: ignore[assignment]
        if not server.gate.wait(30):
            return
        with server.lock:
            refuse = server.refuse > 0
            server.refuse -= 1
        if refuse:
            self.reply("421 try again later")
            return
        self.reply("220 sink ESMTP")
        rcpt: list[str] = []
        while True:
            line = self.rfile.readline().decode(errors="replace").rstrip("\r\n")
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                rcpt = []
                self.reply("250 ok")
            elif verb == "RCPT":
                rcpt.append(line.split(":", 1)[1].strip(" <>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                body = []
                while True:
                    d = self.rfile.readline().decode(errors="replace")
                    if d in (".\r\n", ".\n", ""):
                        break
                    body.append(d)
                with server.lock:
                    server.messages.append({"to": rcpt, "data": "".join(body)})
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def sink():
    server = Sink(refuse=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.gate.set()
    server.shutdown()
    server.server_close()


def make_project(root: Path, app_text: str) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0.1.0"\n')
    (root / "mail.py").write_text(MAIL_PY.lstrip())
    app = root / "app.py"
    app.write_text(textwrap.dedent(app_text).lstrip())
    return app


def move(root: Path, app: Path, needle: str):
    res, edit = pure.run(root, "EVENT_SYSTEM", app, at=position_of(app.read_text(), needle))
    return res, edit


def apply(edit) -> dict[str, str]:
    files = edit.texts()
    for p, text in files.items():
        assert error_count(text, "python") == 0, text
        Path(p).write_text(text)
    return files


def drive(root: Path, probe: str, sink: Sink) -> tuple[list, dict]:
    env = dict(os.environ, SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.server_address[1]))
    env.pop("PYTHONPATH", None)
    env["PYTHONPATH"] = os.pathsep.join([str(root), *sys.path])
    proc = subprocess.Popen(
        [sys.executable, "-c", probe],
        cwd=root,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first, proc.stderr.read()
        responses = json.loads(first)
        # every request has answered while the SMTP server has not accepted a single mail
        assert sink.messages == []
        sink.gate.set()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        last = proc.stdout.readline()
        assert last, proc.stderr.read()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read()
    return responses, json.loads(last)


def test_flask_signup_mail_moves_to_a_keyed_job_and_arrives_once(tmp_path, sink):
    root = tmp_path / "shop"
    app = make_project(root, FLASK_APP)
    res, edit = move(root, app, "send_email(body")
    assert res["moved"] == "send_email", res
    assert edit is not None and edit.needs_confirmation
    files = apply(edit)
    handler = files[str(app)]
    assert (
        'enqueue(send_email, body["email"], body["name"], key=f"SignupCreated:{user_id}:send_email")'
        in handler
    ), handler
    assert '"status": "queued"' in handler and '"sent": sent' not in handler
    assert "from jobs import enqueue" in handler
    responses, after = drive(root, FLASK_PROBE, sink)
    assert [code for code, _ in responses] == [201] * 6
    assert all(body["status"] == "queued" and "sent" not in body for _, body in responses)
    # the first connection was turned away: that job was retried; each signup mailed once
    assert sorted(m["to"][0] for m in sink.messages) == [f"u{i}@example.com" for i in range(6)]
    assert after == {"key": "SignupCreated:1:send_email", "done": True}


def test_fastapi_confirmation_mail_is_not_sent_twice_for_a_retried_request(tmp_path, sink):
    root = tmp_path / "shop"
    app = make_project(root, FASTAPI_APP)
    res, edit = move(root, app, "send_email(body.email")
    assert res["moved"] == "send_email" and res["key"] == 'f"ConfirmationCreated:{order_id}:send_email"'
    handler = apply(edit)[str(app)]
    assert '"status": "queued"' in handler
    responses, after = drive(root, FASTAPI_PROBE, sink)
    assert [code for code, _ in responses] == [201] * 7
    assert all(body["status"] == "queued" for _, body in responses)
    recipients = sorted(m["to"][0] for m in sink.messages)
    assert recipients == [f"u{i}@example.com" for i in range(6)]  # order 0 confirmed twice, mailed once
    assert after == {"done": True}


@pytest.mark.parametrize(
    ("needle", "reason"),
    [
        ("smtp.sendmail", "is opened by `with smtplib.SMTP("),
        ("server.sendmail", "the handler closes it (`server.quit()`"),
    ],
)
def test_a_call_on_a_connection_the_handler_closes_is_not_moved(tmp_path, needle, reason):
    root = tmp_path / "shop"
    app = make_project(root, FLASK_APP)
    res, edit = move(root, app, needle)
    assert edit is None and "moved" not in res
    assert res["not_moved"]["call"] == needle
    assert any(reason in r for r in res["not_moved"]["reasons"]), res["not_moved"]
    assert f"Did not move {needle}" in res["message"] and reason in res["message"]
    out = pure.result(root, "EVENT_SYSTEM", app, at=position_of(app.read_text(), needle))
    md = pure.report_text(out, "event-system.md")
    assert "## Not moved" in md and reason in md
    assert not (root / "jobs.py").exists()


def test_a_call_given_the_request_database_session_is_not_moved(tmp_path):
    root = tmp_path / "shop"
    app = make_project(root, FASTAPI_APP)
    res, edit = move(root, app, "send_email(db")
    assert edit is None
    assert any("`db`" in r and "handler parameter" in r for r in res["not_moved"]["reasons"]), res


MORE_UNSAFE = '''
from flask import Flask, abort, request

from mail import send_email
from models import User, db

app = Flask(__name__)


@app.post("/welcomes/<int:user_id>")
def welcome(user_id):
    user = db.session.get(User, user_id)
    send_email(user, "Welcome")
    return {"ok": True}


@app.post("/echoes")
def echo():
    send_email(request, "echo")
    return {"ok": True}


class Views:
    def __init__(self, session):
        self.session = session

    def notify(self):
        self.mailer.send_email("a@example.com", "x")
        return {"ok": True}


@app.post("/checked")
def checked():
    body = request.get_json()
    sent = send_email(body["email"], "x")
    if not sent:
        abort(502)
    return {"sent": sent}
'''


@pytest.mark.parametrize(
    ("needle", "reason"),
    [
        ("send_email(user", "`user` is loaded through the request's database session"),
        ("send_email(request", "`request` is Flask's request-bound `request`"),
        ("send_email(body", "the handler uses the call's result `sent` (line"),
        ("self.mailer.send_email", "reached through the view object (`self`)"),
    ],
)
def test_other_calls_that_cannot_leave_the_request(tmp_path, needle, reason):
    root = tmp_path / "shop"
    app = make_project(root, MORE_UNSAFE)
    res, edit = move(root, app, needle)
    assert edit is None, edit.texts() if edit else None
    assert any(reason in r for r in res["not_moved"]["reasons"]), res["not_moved"]


def test_an_older_jobs_module_without_keys_is_upgraded_and_a_users_module_is_kept(tmp_path):
    from backend_architect.commands.enqueue import JOBS_MARKER

    root = tmp_path / "shop"
    app = make_project(root, FLASK_APP)
    (root / "jobs.py").write_text(JOBS_MARKER + '\n"""\n\ndef enqueue(fn, *args, **kwargs):\n    fn(*args, **kwargs)\n')
    res, edit = move(root, app, "send_email(body")
    jobs = edit.texts(base=lambda p: Path(p).read_text())[str(root / "jobs.py")]
    assert "def enqueue(fn, *args, key: str | None = None" in jobs
    (root / "jobs.py").write_text("def enqueue(fn, *args):\n    fn(*args)\n")
    res, edit = move(root, app, "send_email(body")
    assert edit is None
    assert any("takes no idempotency key" in r for r in res["not_moved"]["reasons"])


ASYNC_APP = '''
from fastapi import FastAPI

from amail import send_email

app = FastAPI()


@app.post("/invitations/{invitation_id}", status_code=202)
async def invite(invitation_id: int):
    await send_email(f"guest{invitation_id}@example.com", "Guest")
    return {"invitation_id": invitation_id}
'''

ASYNC_PROBE = """
import json
from fastapi.testclient import TestClient
import amail, app, jobs
client = TestClient(app.app)
codes = [client.post(f"/invitations/{i}").status_code for i in (1, 2, 2)]
jobs.drain()
print(json.dumps({"codes": codes, "sent": amail.SENT}))
"""


def test_an_awaited_call_becomes_a_job_the_worker_awaits(tmp_path):
    root = tmp_path / "shop"
    app = make_project(root, ASYNC_APP)
    (root / "amail.py").write_text(
        "import asyncio\n\nSENT = []\n\n\nasync def send_email(to, name):\n"
        "    await asyncio.sleep(0)\n    SENT.append(to)\n"
    )
    res, edit = move(root, app, "send_email(f")
    assert res["moved"] == "send_email", res
    handler = apply(edit)[str(app)]
    assert "await" not in handler.split("async def invite")[1]
    assert 'key=f"InvitationCreated:{invitation_id}:send_email"' in handler
    proc = subprocess.run(
        [sys.executable, "-c", ASYNC_PROBE],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), *sys.path])),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # the coroutine ran on the worker; invitation 2 asked twice, mailed once
    assert out == {"codes": [202, 202, 202], "sent": ["guest1@example.com", "guest2@example.com"]}


def test_a_literal_sent_claim_says_queued_and_a_generic_ok_is_left(tmp_path):
    root = tmp_path / "shop"
    app = make_project(
        root,
        '''
        from flask import Flask, request

        from mail import send_email

        app = Flask(__name__)


        @app.post("/newsletters/<int:newsletter_id>")
        def send_newsletter(newsletter_id):
            send_email(request.get_json()["email"], "News")
            return {"ok": True, "email_sent": True}
        ''',
    )
    res, edit = move(root, app, "send_email(request")
    handler = apply(edit)[str(app)]
    assert 'return {"ok": True, "status": "queued"}' in handler, handler
    assert 'key=f"NewsletterCreated:{newsletter_id}:send_email"' in handler
