"""The floor of benchmarks/load.py: a bare Flask app, one route and one small template, served
by gunicorn with the same settings as studytrack (`gunicorn -c gunicorn.conf.py
benchmarks.bare_app:app`)."""

from __future__ import annotations

from flask import Flask, render_template

TEMPLATE = """<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }}</title>
</head>
<body>
  <main>
    <h1>{{ title }}</h1>
    <ul>
      {% for item in items %}
      <li>{{ item }}</li>
      {% endfor %}
    </ul>
    <p>{{ footer }}</p>
  </main>
</body>
</html>
"""

app = Flask(__name__)
PAGE = app.jinja_env.from_string(TEMPLATE)  # compiled once, as an app's templates are
ITEMS = ["学习贯彻习近平总书记重要讲话精神", "理论学习中心组", "心得体会"]


@app.get("/")
def index() -> str:
    return render_template(PAGE, title="学习", items=ITEMS, footer="studytrack")
