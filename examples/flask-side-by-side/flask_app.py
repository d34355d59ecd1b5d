"""The Flask half of the side-by-side example: the app being moved to doorman.

A plain Flask + Flask-Login app with its users in SQLite (Werkzeug password
hashes). It still owns the routes the proxy sends it (see proxy.ts):

  GET  /login, POST /login     sign-in form (username, password, remember)
  POST /logout                 sign out (also drops the remember cookie)
  GET  /account                login_required: the account page
  GET  /account/security       fresh_login_required
  POST /flask/theme            stores a theme (and when) in the shared session
  GET  /flask/whoami           JSON, what Flask-Login sees

Configuration comes from the environment (start.ts sets it):

  FLASK_SECRET_KEY     SECRET_KEY; doorman gets the same one as flaskSecretKey
  USERS_DB             the SQLite file (created and seeded on first start)
  HOST, PORT           where to listen (PORT 0: any free port, printed as "PORT <n>")

Run alone: FLASK_SECRET_KEY=... USERS_DB=users.sqlite python3 flask_app.py
"""

import os
import sqlite3
from datetime import datetime, timezone
import sys
import threading
from urllib.parse import urlsplit

from flask import Flask, flash, g, get_flashed_messages, jsonify, redirect, render_template_string, request, session
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    fresh_login_required,
    login_fresh,
    login_required,
    login_user,
    logout_user,
)
from markupsafe import escape
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["FLASK_SECRET_KEY"],
    # These must match doorman's session and remember options (see the guide's table).
    SESSION_COOKIE_NAME="session",
    SESSION_COOKIE_SAMESITE="Lax",
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SECURE=os.environ.get("COOKIE_SECURE") == "1",
    REMEMBER_COOKIE_NAME="remember_token",
    REMEMBER_COOKIE_SAMESITE="Lax",
    REMEMBER_COOKIE_HTTPONLY=True,
    REMEMBER_COOKIE_SECURE=os.environ.get("COOKIE_SECURE") == "1",
)

login_manager = LoginManager(app)
login_manager.login_view = "login"
login_manager.session_protection = "basic"

DB = os.environ["USERS_DB"]


def db():
    if "db" not in g:
        g.db = sqlite3.connect(DB)
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close_db(_exc):
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def create_and_seed():
    conn = sqlite3.connect(DB)
    # The SQL a SQLAlchemy model `User(id, username, password_hash, active)` makes, and the
    # table doorman's userLoader reads (doorman.ts).
    conn.execute(
        "CREATE TABLE IF NOT EXISTS users ("
        " id INTEGER PRIMARY KEY,"
        " username VARCHAR(80) NOT NULL UNIQUE,"
        " password_hash VARCHAR(255) NOT NULL,"
        " active BOOLEAN NOT NULL DEFAULT 1)"
    )
    if conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0:
        conn.executemany(
            "INSERT INTO users (username, password_hash, active) VALUES (?, ?, ?)",
            [
                ("alice", generate_password_hash("wonderland"), 1),
                ("bob", generate_password_hash("builder"), 0),
            ],
        )
    conn.commit()
    conn.close()


class User(UserMixin):
    def __init__(self, row):
        self.id = str(row["id"])
        self.username = row["username"]
        self.password_hash = row["password_hash"]
        self._active = bool(row["active"])

    @property
    def is_active(self):
        return self._active


@login_manager.user_loader
def load_user(user_id):
    row = db().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return User(row) if row else None


PAGE = """<!doctype html><title>{{ title }} (Flask)</title>
<p><small>Served by <b>Flask</b>. Signed in as: {{ who }}. <a href="/">Home (doorman)</a></small></p>
{% for category, message in flashes %}<p class="{{ category }}">{{ message }}</p>{% endfor %}
{{ body }}"""


def page(title, body, status=200):
    who = escape(current_user.username) if current_user.is_authenticated else "nobody"
    html = render_template_string(
        PAGE, title=title, who=who, body=body, flashes=get_flashed_messages(with_categories=True)
    )
    return html, status


def safe_next(target):
    # Only same-site paths: "/x" but not "//evil.example" or "https://evil.example".
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


LOGIN_FORM = """<form method="post">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<label><input type="checkbox" name="remember"> Remember me</label>
<button>Sign in</button></form>"""


@app.get("/login")
def login_page():
    return page("Sign in", LOGIN_FORM)


@app.post("/login")
def login():
    row = db().execute(
        "SELECT * FROM users WHERE username = ?", (request.form.get("username", ""),)
    ).fetchone()
    if row is None or not check_password_hash(row["password_hash"], request.form.get("password", "")):
        flash("Invalid username or password.", "error")
        return page("Sign in", LOGIN_FORM, 401)
    if not login_user(User(row), remember=request.form.get("remember") == "on"):
        return page("Sign in", "This account is disabled.", 403)
    flash(f"Welcome back, {row['username']} (signed in by Flask).", "success")
    return redirect(safe_next(request.args.get("next")), 303)



@app.post("/logout")
def logout():
    logout_user()
    flash("Signed out (by Flask).", "info")
    return redirect("/", 303)


@app.get("/account")
@login_required
def account():
    body = (
        f"<p>Account of {escape(current_user.username)} (user id {current_user.id}).</p>"
        '<form method="post" action="/logout"><button>Sign out (Flask)</button></form>'
    )
    return page("Account", body)


@app.get("/account/security")
@fresh_login_required
def security():
    return page("Security", "<p>Fresh login confirmed: you may change your password here.</p>")


@app.post("/flask/theme")
def theme():
    # App data in the shared session: doorman's pages read it too (and keep the datetime intact).
    session["theme"] = request.form.get("theme", "light")
    session["theme_set_at"] = datetime.now(timezone.utc)
    return redirect(safe_next(request.args.get("next")), 303)


@app.get("/flask/whoami")
def whoami():
    if not current_user.is_authenticated:
        return jsonify(user=None, served_by="flask")
    set_at = session.get("theme_set_at")
    return jsonify(
        user=current_user.username,
        id=current_user.id,
        fresh=login_fresh(),
        theme=session.get("theme"),
        theme_set_at=set_at.isoformat() if isinstance(set_at, datetime) else None,
        served_by="flask",
    )


def exit_with_parent():
    # start.ts holds our stdin open: when it ends, however it ends, we read EOF and stop too.
    sys.stdin.read()
    os._exit(0)


def main():
    if os.environ.get("EXIT_WITH_PARENT") == "1":
        threading.Thread(target=exit_with_parent, daemon=True).start()
    create_and_seed()
    from werkzeug.serving import make_server

    server = make_server(os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000")), app, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
