"""The extension objects, created unbound and initialised in create_app()."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from studytrack.i18n import Babel
from studytrack.models.base import Base

# Models subclass models.base.Base directly (plain SQLAlchemy 2 typed models, no legacy
# Model.query); the extension shares their metadata for create_all and Flask-Migrate.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()
mail = Mail()
