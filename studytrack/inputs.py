"""What a request may bring in, decided in one place (issue 17: no input reaches a 500).

- **Text** never carries C0 control characters other than tab, line feed and carriage return:
  PostgreSQL refuses a NUL in text, and Word and Excel exports refuse every such character.
  Nobody types them; they arrive by copy and paste or from a crafted request, and mean nothing,
  so they are removed (`clean_text`). Every form field does this (studytrack/formfields.py).
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab, line feed and carriage return. Vertical tab and form feed are the
# line and page breaks of text pasted from Word or a PDF: they become line feeds.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BREAKS = str.maketrans({"\v": "\n", "\f": "\n"})
_DROPPED = re.compile("[\x00-\x08\x0e-\x1f]")


def clean_text(value: Any) -> Any:
    """Text without C0 control characters (tab and line ends stay; vertical tab and form feed
    become line feeds). Text without any, and anything that is not text (a select's coerced
    enumeration, a number), is returned as it is."""
    if not isinstance(value, str) or _CONTROLS.search(value) is None:
        return value
    return _DROPPED.sub("", value.translate(_BREAKS))
