"""The demo's organisation tree, people, study groups and leadership roles.

A fictional vocational university in Shanghai, modelled on the real news release in
`/work/shared/examples/`: the university committee, three colleges, their branches, the
university's leadership study group (校党委理论学习中心组) and one study group per college.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from studytrack import audit
from studytrack.admin import services as admin_services
from studytrack.extensions import db
from studytrack.models import (
    GroupRole,
    GroupTitle,
    Organization,
    OrganizationKind,
    StudyGroup,
    User,
)

ROOT_NAME = "中侨职业技术大学党委"
ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class OrgSpec:
    key: str
    parent: str | None
    name: str
    short_name: str | None
    kind: OrganizationKind


ORGANIZATIONS: tuple[OrgSpec, ...] = (
    OrgSpec("root", None, ROOT_NAME, "校党委", OrganizationKind.COMMITTEE),
    OrgSpec("zz", "root", "智能制造学院党委", "智造学院党委", OrganizationKind.COMMITTEE),
    OrgSpec("zz-js", "zz", "智能制造学院教工党支部", None, OrganizationKind.BRANCH),
    OrgSpec("zz-xs", "zz", "智能制造学院学生第一党支部", None, OrganizationKind.BRANCH),
    OrgSpec("sx", "root", "商学院党委", None, OrganizationKind.COMMITTEE),
    OrgSpec("sx-js", "sx", "商学院教工党支部", None, OrganizationKind.BRANCH),
    OrgSpec("sx-xs", "sx", "商学院学生党支部", None, OrganizationKind.BRANCH),
    OrgSpec("hl", "root", "健康与护理学院党总支", "健护学院党总支",
            OrganizationKind.GENERAL_BRANCH),
    OrgSpec("hl-js", "hl", "健康与护理学院教工党支部", None, OrganizationKind.BRANCH),
)


@dataclass(frozen=True)
class PersonSpec:
    username: str
    name: str
    position: str
    org: str
    is_admin: bool = False


# The four easy logins first; everyone else logs in with the pinyin of their name.
PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec(ADMIN_USERNAME, "系统管理员", "信息化建设与管理中心", "root", is_admin=True),
    PersonSpec("secretary", "李婧", "党委办公室主任", "root"),
    PersonSpec("member", "张瑜", "副校长", "root"),
    PersonSpec("leader", "沈丽华", "党委组织部部长", "root"),
    # 校领导班子
    PersonSpec("pingjie", "平杰", "党委书记", "root"),
    PersonSpec("chenxiaobin", "陈晓斌", "校长、党委副书记", "root"),
    PersonSpec("kouxinjian", "寇新建", "常务副校长", "root"),
    PersonSpec("guanyanyan", "管琰琰", "党委副书记、副校长", "root"),
    PersonSpec("luoning", "罗宁", "副校长", "root"),
    PersonSpec("xuweidong", "徐卫东", "党委委员、纪委书记", "root"),
    # 智能制造学院
    PersonSpec("zhaozhigang", "赵志刚", "智能制造学院党委书记", "zz"),
    PersonSpec("qianweiguo", "钱卫国", "智能制造学院院长", "zz"),
    PersonSpec("sunyaqin", "孙雅琴", "智能制造学院党委副书记", "zz"),
    PersonSpec("zhouxiaofeng", "周晓峰", "智能制造学院副院长", "zz"),
    PersonSpec("wujiayi", "吴佳怡", "智能制造学院办公室主任", "zz"),
    # 商学院
    PersonSpec("zhenghongmei", "郑红梅", "商学院党委书记", "sx"),
    PersonSpec("wangjianhua", "王建华", "商学院院长", "sx"),
    PersonSpec("fengli", "冯丽", "商学院党委副书记", "sx"),
    PersonSpec("chenlijun", "陈立军", "商学院副院长", "sx"),
    PersonSpec("hejing", "何静", "商学院党政办公室主任", "sx"),
    # 健康与护理学院
    PersonSpec("linxiaoyan", "林晓燕", "健康与护理学院党总支书记", "hl"),
    PersonSpec("huangzhiming", "黄志明", "健康与护理学院院长", "hl"),
    PersonSpec("maxiaoli", "马晓丽", "健康与护理学院副院长", "hl"),
    PersonSpec("jiangwen", "蒋文", "健康与护理学院党总支组织员", "hl"),
)

LEADER, DEPUTY, MEMBER = GroupTitle.LEADER, GroupTitle.DEPUTY, GroupTitle.MEMBER


@dataclass(frozen=True)
class GroupSpec:
    key: str
    org: str
    name: str
    description: str
    joined_on: date
    members: tuple[tuple[str, GroupTitle], ...]  # in the order shown on records
    secretary: str


GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec(
        "uni", "root", "校党委理论学习中心组",
        "由校党委委员和校领导班子成员组成，党委书记任组长，校长任副组长；"
        "学习秘书由党委办公室主任担任。每月至少集中学习一次。",
        date(2019, 9, 1),
        (("pingjie", LEADER), ("chenxiaobin", DEPUTY), ("kouxinjian", MEMBER),
         ("guanyanyan", MEMBER), ("member", MEMBER), ("luoning", MEMBER),
         ("xuweidong", MEMBER)),
        "secretary",
    ),
    GroupSpec(
        "zz", "zz", "智能制造学院党委理论学习中心组",
        "学院党政领导班子成员参加，学院党委书记任组长。", date(2021, 3, 1),
        (("zhaozhigang", LEADER), ("qianweiguo", DEPUTY), ("sunyaqin", MEMBER),
         ("zhouxiaofeng", MEMBER)),
        "wujiayi",
    ),
    GroupSpec(
        "sx", "sx", "商学院党委理论学习中心组",
        "学院党政领导班子成员参加，学院党委书记任组长。", date(2021, 3, 1),
        (("zhenghongmei", LEADER), ("wangjianhua", DEPUTY), ("fengli", MEMBER),
         ("chenlijun", MEMBER)),
        "hejing",
    ),
    GroupSpec(
        "hl", "hl", "健康与护理学院党总支理论学习中心组",
        "学院党政领导班子成员参加，党总支书记任组长。", date(2022, 9, 1),
        (("linxiaoyan", LEADER), ("huangzhiming", DEPUTY), ("maxiaoli", MEMBER)),
        "jiangwen",
    ),
)

# 领导: dashboards of a unit and everything below it.
LEADERSHIP: tuple[tuple[str, str], ...] = (
    ("leader", "root"),
    ("pingjie", "root"),
    ("zhaozhigang", "zz"),
    ("zhenghongmei", "sx"),
    ("linxiaoyan", "hl"),
)


def role_of(username: str) -> str:
    """What the account can do, in Chinese like the names beside it, for the CLI table."""
    person = next(p for p in PEOPLE if p.username == username)
    roles: list[str] = ["系统管理员"] if person.is_admin else []
    for group in GROUPS:
        if group.secretary == username:
            roles.append("学习秘书")
        for member, title in group.members:
            if member == username:
                roles.append({LEADER: "成员（组长）", DEPUTY: "成员（副组长）"}.get(title, "成员"))
    if any(user == username for user, _ in LEADERSHIP):
        roles.append("领导")
    return "、".join(roles)


@dataclass
class Registry:
    """What the builders made, by key, so later steps can refer to it."""

    orgs: dict[str, Organization]
    users: dict[str, User]
    groups: dict[str, StudyGroup]

    def secretary_of(self, group_key: str) -> User:
        spec = next(g for g in GROUPS if g.key == group_key)
        return self.users[spec.secretary]


def build_people(password: str) -> Registry:
    """Create the tree, the accounts, the groups and the leadership roles through the services."""
    orgs: dict[str, Organization] = {}
    for index, org in enumerate(ORGANIZATIONS):
        orgs[org.key] = admin_services.create_organization(
            org.name, kind=org.kind, parent=orgs[org.parent] if org.parent else None,
            short_name=org.short_name, sort_order=index,
        )
    users = _build_accounts(password, orgs)
    groups: dict[str, StudyGroup] = {}
    for spec in GROUPS:
        group = admin_services.create_group(orgs[spec.org], spec.name, spec.description)
        groups[spec.key] = group
        for order, (username, title) in enumerate(spec.members):
            membership = admin_services.add_member(
                group, users[username], GroupRole.MEMBER, title, sort_order=order
            )
            membership.joined_on = spec.joined_on
        membership = admin_services.add_member(
            group, users[spec.secretary], GroupRole.SECRETARY, MEMBER,
            sort_order=len(spec.members),
        )
        membership.joined_on = spec.joined_on
    for username, org_key in LEADERSHIP:
        admin_services.grant_leadership(users[username], orgs[org_key])
    return Registry(orgs=orgs, users=users, groups=groups)


def demo_mail(username: str) -> str:
    """A demo account's mail address: a reserved domain that reaches nobody (`make run` writes
    the reminders' mails to files)."""
    return f"{username}@studytrack.example"


def _build_accounts(password: str, orgs: dict[str, Organization]) -> dict[str, User]:
    """The first account through the service; the others share its password hash (the same
    public demo password), as hashing it once per account would take most of the seeding time.
    Each is logged as the service logs it."""
    first, *others = PEOPLE
    users = {first.username: admin_services.create_user(
        username=first.username, display_name=first.name, password=password,
        position=first.position, organization=orgs[first.org], is_admin=first.is_admin,
        must_change_password=False,
    )}
    users[first.username].email = demo_mail(first.username)
    password_hash = users[first.username].password_hash
    for spec in others:
        user = User(
            username=spec.username, display_name=spec.name, position=spec.position,
            organization=orgs[spec.org], is_admin=spec.is_admin, must_change_password=False,
            locale="zh", login_version=1, password_hash=password_hash,
            email=demo_mail(spec.username),
        )
        db.session.add(user)
        users[spec.username] = user
    db.session.flush()
    for spec in others:
        user = users[spec.username]
        audit.record("user.create", user, username=user.username, is_admin=user.is_admin)
    return users
