"""Forms that create something, once each (`studytrack.submissions`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from studytrack.models.base import Base, utcnow


class FormSubmission(Base):
    """One submission of a form that creates something, by the one-time token the form
    carried, and where its result was shown. A second submission of the same form (a double
    click, a resent page) finds this row and shows that result instead of creating again."""

    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    result_url: Mapped[str | None] = mapped_column(sa.String(500))
