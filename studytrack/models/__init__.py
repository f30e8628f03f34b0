"""Every model, importable from one place."""

from studytrack.models.audit import AuditEvent
from studytrack.models.base import Base
from studytrack.models.followup import (
    ACTIVE_TASK_STATUSES,
    CLOSED_TASK_STATUSES,
    FollowUpTask,
    TaskStatus,
)
from studytrack.models.job import PENDING_JOB_STATUSES, Job, JobKind, JobStatus
from studytrack.models.login_session import LoginSession
from studytrack.models.material import Attachment, Material, MaterialKind
from studytrack.models.notification import Notification, NotificationKind
from studytrack.models.organization import Organization, OrganizationKind, in_subtree
from studytrack.models.plan import PlanItem, StudyPlan, Target, TargetMetric
from studytrack.models.reflection import (
    HANDED_IN_STATUSES,
    WRITABLE_REFLECTION_STATUSES,
    Reflection,
    ReflectionStatus,
)
from studytrack.models.reminder import (
    DIGEST_KINDS,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    GroupRobot,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderPreference,
    RobotProvider,
)
from studytrack.models.session_stats import SessionStats
from studytrack.models.study_group import GroupMembership, GroupRole, GroupTitle, StudyGroup
from studytrack.models.study_session import (
    EDITABLE_SESSION_STATUSES,
    HELD_STATUSES,
    MAKEUP_STATUSES,
    Attendance,
    AttendanceStatus,
    NewsRelease,
    SessionKind,
    SessionMaterial,
    SessionStatus,
    StudySession,
    Talk,
    TalkKind,
)
from studytrack.models.submission import FormSubmission
from studytrack.models.supervision import (
    DEFAULT_SUPERVISION_POINTS,
    RATINGS,
    Supervision,
)
from studytrack.models.user import LeadershipRole, User

__all__ = [
    "ACTIVE_TASK_STATUSES",
    "CLOSED_TASK_STATUSES",
    "DEFAULT_SUPERVISION_POINTS",
    "DIGEST_KINDS",
    "EDITABLE_SESSION_STATUSES",
    "HANDED_IN_STATUSES",
    "HELD_STATUSES",
    "MAKEUP_STATUSES",
    "PENDING_JOB_STATUSES",
    "RATINGS",
    "WRITABLE_REFLECTION_STATUSES",
    "Attachment",
    "Attendance",
    "AttendanceStatus",
    "AuditEvent",
    "Base",
    "Delivery",
    "DeliveryChannel",
    "DeliveryStatus",
    "FollowUpTask",
    "FormSubmission",
    "GroupMembership",
    "GroupRobot",
    "GroupRole",
    "GroupTitle",
    "Job",
    "JobKind",
    "JobStatus",
    "LeadershipRole",
    "LoginSession",
    "Material",
    "MaterialKind",
    "NewsRelease",
    "Notification",
    "NotificationKind",
    "Organization",
    "OrganizationKind",
    "PlanItem",
    "Reflection",
    "ReflectionStatus",
    "Reminder",
    "ReminderChannel",
    "ReminderKind",
    "ReminderPreference",
    "RobotProvider",
    "SessionKind",
    "SessionMaterial",
    "SessionStats",
    "SessionStatus",
    "StudyGroup",
    "StudyPlan",
    "StudySession",
    "Supervision",
    "Talk",
    "TalkKind",
    "Target",
    "TargetMetric",
    "TaskStatus",
    "User",
    "in_subtree",
]
