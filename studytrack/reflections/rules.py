"""The rules of a reflection's fields and what they say when broken: shared by the forms
(which check them as the user types) and the services (which defend them whatever the caller).

Who writes and who reads is the policy's (authz: "reflection.write", "reflection.view"); which
statuses are handed in or still writable is the model's (models/reflection.py).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TITLE_MAX = 200
BODY_MAX = 100_000  # characters as typed; far beyond any reflection, short of abuse
COMMENT_MAX = 4000

NEEDS_COMMENT = _l("Say what should be revised: the member sees this comment.")
