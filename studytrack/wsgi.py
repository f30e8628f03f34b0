"""The WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py studytrack.wsgi:app`.

The app is configured from the STUDYTRACK_* environment (docs/deployment.md). Each gunicorn
worker imports this module after the fork, so each has its own database connections.
"""

from studytrack import create_app

app = create_app()
