"""The materials library and the sessions of 2025–2026, for lists and dashboards."""

from __future__ import annotations

from datetime import date, timedelta

from studytrack.demo.build import (
    LeaveSpec,
    MaterialSpec,
    ReflectionSpec,
    SessionSpec,
    TalkSpec,
    TaskSpec,
)
from studytrack.models import (
    MaterialKind,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    TalkKind,
    TaskStatus,
)

SPEECH, DOCUMENT, BOOK = MaterialKind.SPEECH, MaterialKind.DOCUMENT, MaterialKind.BOOK
CHAIR, KEYNOTE, EXCHANGE = TalkKind.CHAIR_ADDRESS, TalkKind.KEYNOTE, TalkKind.EXCHANGE
ACCEPTED, SUBMITTED = ReflectionStatus.ACCEPTED, ReflectionStatus.SUBMITTED
RETURNED, DRAFT = ReflectionStatus.RETURNED, ReflectionStatus.DRAFT

MATERIALS: tuple[MaterialSpec, ...] = (
    MaterialSpec(
        "speech-2-23", SPEECH,
        "习近平总书记在统筹推进新冠肺炎疫情防控和经济社会发展工作部署会议上的重要讲话",
        "习近平", date(2020, 2, 23), "新华社",
        "“2·23”重要讲话。全面总结新冠肺炎疫情防控工作，深刻分析当前疫情形势，提出加强党的"
        "领导、统筹推进疫情防控和经济社会发展工作的重点任务和重大举措。",
        short_name="“2·23”重要讲话",
    ),
    MaterialSpec(
        "speech-3-4", SPEECH,
        "习近平主持中共中央政治局常务委员会会议并发表重要讲话",
        "习近平", date(2020, 3, 4), "新华社",
        "“3·4”重要讲话。分析国内外新冠肺炎疫情防控和经济形势，研究统筹抓好疫情防控和经济"
        "社会发展重点工作。",
        short_name="“3·4”重要讲话",
    ),
    MaterialSpec(
        "study-rules", DOCUMENT, "中国共产党党委（党组）理论学习中心组学习规则",
        None, None, "中共中央办公厅",
        "规定中心组学习的组织领导、学习内容、学习形式和考核督促，是中心组学习的基本遵循。",
    ),
    MaterialSpec(
        "eight-rules", DOCUMENT, "中共中央政治局关于改进工作作风、密切联系群众的八项规定",
        None, date(2012, 12, 4), "中共中央政治局",
        "从改进调查研究、精简会议活动、精简文件简报、规范出访活动、改进警卫工作、改进新闻报道、"
        "严格文稿发表、厉行勤俭节约八个方面改进工作作风。",
    ),
    MaterialSpec(
        "style-excerpts", BOOK, "习近平关于加强党的作风建设论述摘编",
        "习近平", None, "党建读物出版社、中央文献出版社",
        "深入贯彻中央八项规定精神学习教育的指定学习材料。",
    ),
    MaterialSpec(
        "vocational-instruction", SPEECH, "习近平对职业教育工作作出重要指示",
        "习近平", date(2021, 4, 13), "新华社",
        "强调加快构建现代职业教育体系，培养更多高素质技术技能人才、能工巧匠、大国工匠。",
    ),
    MaterialSpec(
        "vocational-reform", DOCUMENT, "关于深化现代职业教育体系建设改革的意见",
        None, date(2022, 12, 21), "中共中央办公厅、国务院办公厅",
        "提出以提升职业学校关键办学能力为基础、以深化产教融合为重点，建设现代职业教育体系。",
    ),
    MaterialSpec(
        "third-plenum", DOCUMENT, "中共中央关于进一步全面深化改革、推进中国式现代化的决定",
        None, date(2024, 7, 18), "党的二十届三中全会",
        "对进一步全面深化改革作出系统部署，其中包括深化教育综合改革、加快构建职普融通、产教"
        "融合的职业教育体系。",
    ),
    MaterialSpec(
        "education-conference", SPEECH, "习近平在全国教育大会上的重要讲话",
        "习近平", date(2024, 9, 9), "新华社",
        "对加快建设教育强国作出全面部署，强调坚持社会主义办学方向，坚持立德树人根本任务。",
    ),
    MaterialSpec(
        "education-outline", DOCUMENT, "教育强国建设规划纲要（2024—2035年）",
        None, date(2025, 1, 19), "中共中央、国务院",
        "明确教育强国建设的总体要求和重点任务，提出塑造多样化可选择的优质职业教育。",
    ),
    MaterialSpec(
        "fourth-plenum", DOCUMENT, "中国共产党第二十届中央委员会第四次全体会议公报",
        None, date(2025, 10, 23), "新华社",
        "全会审议通过关于制定国民经济和社会发展第十五个五年规划的建议。",
    ),
    MaterialSpec(
        "fifteenth-plan", DOCUMENT, "中共中央关于制定国民经济和社会发展第十五个五年规划的建议",
        None, date(2025, 10, 23), "党的二十届四中全会",
        "提出“十五五”时期经济社会发展的指导方针、主要目标和重大举措。",
    ),
)

ON_THE_JOB = "自学会议材料和纪要，向学习秘书提交学习笔记。"

SESSIONS: tuple[SessionSpec, ...] = (
    SessionSpec(
        "uni", SessionKind.SEMINAR, "深入贯彻中央八项规定精神学习教育专题研讨",
        "中央八项规定精神学习教育", date(2025, 4, 17), (14, 0), 2.5, "行政楼第一会议室",
        "pingjie", SessionStatus.CLOSED,
        materials=("eight-rules", "style-excerpts"),
        talks=(
            TalkSpec(CHAIR, "pingjie", "传达上级关于开展深入贯彻中央八项规定精神学习教育的部署"
                     "要求，强调坚持学查改一体推进，以作风建设新成效推动职业本科内涵建设。"),
            TalkSpec(EXCHANGE, "chenxiaobin", "围绕“以严的基调改进作风、以实的举措服务师生”作"
                     "研讨发言，提出精简会议文件、减少检查评比，为二级学院和一线教师减负。"),
            TalkSpec(EXCHANGE, "xuweidong", "通报教育系统违反中央八项规定精神典型案例，提出"
                     "聚焦招生录取、基建采购、科研经费等重点领域开展专项监督。"),
            TalkSpec(EXCHANGE, "kouxinjian", "对照检视后勤、基建领域作风问题，提出推行采购项目"
                     "全流程公开，完善公务用车和公务接待管理制度。"),
            TalkSpec(EXCHANGE, "member", "对照检视教学管理中的形式主义问题，提出精简教学检查"
                     "材料，推行教学督导“推门听课”常态化。"),
        ),
        minutes="会议围绕深入贯彻中央八项规定精神学习教育开展专题研讨。中心组成员逐一发言，"
        "对照检视问题，交流整改思路。\n\n会议要求，各部门、各二级学院要坚持学查改一体推进，"
        "5月底前形成问题清单和整改台账。",
        reflection_due_on=date(2025, 4, 30), min_reflection_chars=600,
        theme="中央八项规定是党的作风建设的“金色名片”。学习教育中，我对照问题清单逐项检视，"
        "深刻认识到作风问题本质上是党性问题，必须以严的基调、严的措施、严的氛围持续推进作风"
        "建设，把学习教育成效体现到为师生办实事、解难题上来。",
        reflections=(
            ReflectionSpec("chenxiaobin", ACCEPTED), ReflectionSpec("kouxinjian", ACCEPTED),
            ReflectionSpec("guanyanyan", ACCEPTED), ReflectionSpec("member", ACCEPTED),
            ReflectionSpec("xuweidong", ACCEPTED),
            ReflectionSpec("luoning", ACCEPTED, after_days=16),
        ),
        tasks=(
            TaskSpec("开展作风建设问题自查，形成问题清单和整改台账", None, date(2025, 5, 31),
                     TaskStatus.DONE, assignee="xuweidong",
                     completion_note="汇总各部门、各二级学院自查问题37条，整改台账已报校党委。",
                     done_on=date(2025, 5, 28)),
        ),
    ),
    SessionSpec(
        "uni", SessionKind.LECTURE,
        "学习贯彻《教育强国建设规划纲要（2024—2035年）》专题辅导报告",
        "教育强国建设规划纲要", date(2025, 6, 12), (14, 30), 2, "图书馆学术报告厅",
        "pingjie", SessionStatus.CLOSED,
        materials=("education-outline", "education-conference"),
        talks=(
            TalkSpec(CHAIR, "pingjie", "介绍报告人，并在报告后作总结，要求把纲要提出的各项任务"
                     "细化到学校年度工作要点和各部门工作计划中。"),
            TalkSpec(KEYNOTE, None, "从教育强国建设的时代背景、职业教育的战略定位、职业本科"
                     "高质量发展路径三个方面作辅导，结合国内外典型案例解读纲要。",
                     title="把握教育强国建设中的职业教育使命",
                     speaker_name="周立新（华东师范大学职业教育研究所教授）"),
        ),
        leaves=(LeaveSpec("luoning", "带队赴外省开展招生宣传", date(2025, 6, 20), ON_THE_JOB),),
        observers=("zhaozhigang", "zhenghongmei", "linxiaoyan"),
        minutes="校党委理论学习中心组举行专题辅导报告会，邀请华东师范大学周立新教授作辅导。"
        "各二级学院党组织书记列席。",
        reflection_due_on=date(2025, 6, 30), min_reflection_chars=600,
        theme="听了辅导报告，我对教育强国建设中职业教育的定位有了更清晰的认识。职业本科是"
        "现代职业教育体系的重要一环，学校要在专业设置、课程体系、师资队伍和产教融合上下功夫，"
        "走出一条有中侨特色的内涵发展之路。",
        reflections=(
            ReflectionSpec("chenxiaobin", ACCEPTED), ReflectionSpec("guanyanyan", ACCEPTED),
            ReflectionSpec("member", ACCEPTED), ReflectionSpec("kouxinjian", ACCEPTED),
        ),
    ),
    SessionSpec(
        "uni", SessionKind.COLLECTIVE, "学习贯彻党的二十届四中全会精神",
        "党的二十届四中全会精神", date(2025, 11, 6), (14, 30), 2, "518会议室",
        "pingjie", SessionStatus.PUBLISHED,
        materials=("fourth-plenum", "fifteenth-plan"),
        talks=(
            TalkSpec(CHAIR, "pingjie", "领学全会公报，强调要把学习宣传贯彻全会精神作为当前和"
                     "今后一个时期的重要政治任务，与谋划学校“十五五”发展结合起来。"),
            TalkSpec(KEYNOTE, "chenxiaobin", "围绕“十五五”规划建议中关于教育、科技、人才的"
                     "部署，谈了学校“十五五”规划编制的思路和重点。"),
            TalkSpec(EXCHANGE, "guanyanyan", "结合思想政治工作，提出把全会精神融入思政课教学"
                     "和主题教育活动，组织师生宣讲团进课堂、进社区。"),
            TalkSpec(EXCHANGE, "member", "结合分管的教学工作，提出对接上海重点产业调整专业"
                     "布局，推进专业群建设。"),
        ),
        minutes="会议传达学习党的二十届四中全会精神，研究部署学校学习宣传贯彻工作。",
        reflection_due_on=date(2025, 11, 20), min_reflection_chars=600,
        theme="党的二十届四中全会对“十五五”时期经济社会发展作出战略部署。学习全会精神，我"
        "深刻感到，教育、科技、人才是中国式现代化的基础性、战略性支撑，职业教育大有可为，"
        "也必须大有作为。",
        reflections=(
            ReflectionSpec("chenxiaobin", ACCEPTED), ReflectionSpec("guanyanyan", ACCEPTED),
            ReflectionSpec("kouxinjian", SUBMITTED), ReflectionSpec("member", SUBMITTED),
            ReflectionSpec("xuweidong", RETURNED, comment="请结合纪检监察工作补充具体举措。"),
        ),
        tasks=(
            TaskSpec("制定学校学习宣传贯彻党的二十届四中全会精神工作方案", None,
                     date(2025, 11, 15), TaskStatus.DONE, assignee="secretary",
                     completion_note="工作方案已印发，各二级党组织已报送学习安排。",
                     done_on=date(2025, 11, 13)),
            TaskSpec("二级学院开展全会精神专题学习", "学院党委中心组专题学习不少于1次。",
                     date(2025, 12, 15), TaskStatus.DONE, organization="sx",
                     completion_note="12月4日学院党委中心组已开展专题学习。",
                     done_on=date(2025, 12, 4)),
        ),
    ),
    SessionSpec(
        "uni", SessionKind.SEMINAR, "谋划“十五五”学校事业发展 推进职业本科内涵建设专题研讨",
        "谋划“十五五”学校事业发展", date(2026, 3, 19), (14, 30), 3, "行政楼第一会议室",
        "pingjie", SessionStatus.PUBLISHED,
        materials=("fifteenth-plan", "education-outline", "vocational-reform"),
        talks=(
            TalkSpec(CHAIR, "pingjie", "提出研讨题目，要求中心组成员聚焦职业本科内涵建设，"
                     "为学校“十五五”规划贡献真知灼见。"),
            TalkSpec(EXCHANGE, "chenxiaobin", "就“十五五”规划的总体目标和主要指标作研讨发言。"),
            TalkSpec(EXCHANGE, "kouxinjian", "就新校区二期建设和智慧校园建设作研讨发言。"),
            TalkSpec(EXCHANGE, "member", "就专业群建设和“双师型”教师队伍建设作研讨发言。"),
            TalkSpec(EXCHANGE, "luoning", "就国际合作办学和社会培训作研讨发言。"),
        ),
        leaves=(LeaveSpec("guanyanyan", "参加市委党校中青年干部培训班", date(2026, 3, 27),
                          ON_THE_JOB),),
        reflection_due_on=date(2026, 4, 3), min_reflection_chars=600,
        theme="这次专题研讨聚焦学校“十五五”发展。我认为，职业本科的内涵建设关键在专业、"
        "核心在教师、根本在质量，必须把产教融合贯穿办学全过程，以高水平专业群建设带动整体"
        "办学水平提升。",
        reflections=(
            ReflectionSpec("chenxiaobin", ACCEPTED), ReflectionSpec("member", ACCEPTED),
            ReflectionSpec("kouxinjian", SUBMITTED), ReflectionSpec("luoning", SUBMITTED),
        ),
        tasks=(
            TaskSpec("牵头编制学校“十五五”专业建设规划", None, date(2026, 12, 31),
                     TaskStatus.IN_PROGRESS, assignee="member"),
            TaskSpec("形成学校“十五五”事业发展规划初稿", None, date(2026, 9, 30),
                     TaskStatus.OPEN, assignee="chenxiaobin"),
        ),
    ),
    SessionSpec(
        "uni", SessionKind.COLLECTIVE,
        "学习贯彻习近平总书记关于职业教育的重要指示精神 深化产教融合",
        "关于职业教育的重要指示精神", date(2026, 9, 24), (14, 30), 2, "518会议室",
        "pingjie", SessionStatus.PUBLISHED,
        materials=("vocational-instruction", "vocational-reform"),
        talks=(
            TalkSpec(CHAIR, "pingjie", "领学重要指示精神，要求以市域产教联合体建设为抓手，"
                     "把产教融合落到专业、课程和实训基地上。"),
            TalkSpec(KEYNOTE, "chenxiaobin", "介绍学校与行业龙头企业共建产业学院的进展，"
                     "提出下一步合作清单。"),
            TalkSpec(EXCHANGE, "luoning", "就校企合作订单班和毕业生高质量就业作交流发言。"),
        ),
        reflection_due_on=date(2026, 10, 15), min_reflection_chars=600,
        theme="习近平总书记对职业教育工作的重要指示，为新时代职业教育改革发展指明了方向。"
        "产教融合是职业教育的基本办学模式，学校要主动对接产业链、创新链，让人才培养与产业"
        "需求同频共振。",
        reflections=(
            ReflectionSpec("kouxinjian", ACCEPTED), ReflectionSpec("guanyanyan", SUBMITTED),
            ReflectionSpec("member", DRAFT, body="产教融合、校企合作是职业教育的生命线。"
                           "结合分管的教学工作，我认为下一步要重点抓好三件事："),
        ),
        tasks=(
            TaskSpec("制定学校深化产教融合三年行动计划", None, date(2026, 12, 31),
                     TaskStatus.OPEN, assignee="luoning"),
        ),
    ),
    # 智能制造学院
    SessionSpec(
        "zz", SessionKind.COLLECTIVE, "学习贯彻全国教育大会精神 深化产教融合校企合作",
        "全国教育大会精神", date(2025, 5, 15), (14, 0), 2, "实训楼302会议室",
        "zhaozhigang", SessionStatus.CLOSED,
        materials=("education-conference", "vocational-reform"),
        talks=(
            TalkSpec(CHAIR, "zhaozhigang", "领学习近平总书记在全国教育大会上的重要讲话，要求"
                     "把大会精神落实到智能制造专业群建设中。"),
            TalkSpec(KEYNOTE, "qianweiguo", "介绍学院与合作企业共建智能产线实训基地的方案。"),
            TalkSpec(EXCHANGE, "sunyaqin", "就学生党建和课程思政作交流发言。"),
            TalkSpec(EXCHANGE, "zhouxiaofeng", "就“岗课赛证”融通和技能大赛备赛作交流发言。"),
        ),
        observers=("leader",),
        minutes="学院党委理论学习中心组集体学习全国教育大会精神，研究部署产教融合校企合作重点"
        "工作。校党委组织部部长沈丽华列席指导。",
        reflection_due_on=date(2025, 5, 29), min_reflection_chars=500,
        theme="全国教育大会对加快建设教育强国作出全面部署。作为智能制造学院的一员，我深感"
        "责任重大，学院要紧盯上海先进制造业发展需求，把产线搬进课堂，把课堂建在产线上。",
        reflections=(
            ReflectionSpec("zhaozhigang", ACCEPTED), ReflectionSpec("qianweiguo", ACCEPTED),
            ReflectionSpec("sunyaqin", ACCEPTED), ReflectionSpec("zhouxiaofeng", ACCEPTED),
        ),
        tasks=(
            TaskSpec("与合作企业共建智能产线实训基地", None, date(2025, 12, 31),
                     TaskStatus.DONE, assignee="zhouxiaofeng",
                     completion_note="实训基地已于12月建成并投入教学使用。",
                     done_on=date(2025, 12, 19)),
        ),
    ),
    SessionSpec(
        "zz", SessionKind.SEMINAR, "谋划学院“十五五”专业群建设专题研讨",
        "学院“十五五”专业群建设", date(2026, 4, 16), (14, 0), 2.5, "实训楼302会议室",
        "zhaozhigang", SessionStatus.PUBLISHED,
        materials=("fifteenth-plan",),
        talks=(
            TalkSpec(CHAIR, "zhaozhigang", "提出研讨题目，要求围绕专业群建设谈思路、提举措。"),
            TalkSpec(EXCHANGE, "qianweiguo", "就工业机器人专业群建设目标作研讨发言。"),
            TalkSpec(EXCHANGE, "sunyaqin", "就专业群建设中的学生思想政治工作作研讨发言。"),
        ),
        leaves=(LeaveSpec("zhouxiaofeng", "带队参加职业院校技能大赛", date(2026, 4, 24),
                          ON_THE_JOB),),
        reflection_due_on=date(2026, 4, 30), min_reflection_chars=500,
        theme="专业群是职业本科内涵建设的主要载体。学院要以工业机器人、智能控制等专业为核心，"
        "打造对接产业链的高水平专业群。",
        reflections=(
            ReflectionSpec("qianweiguo", SUBMITTED), ReflectionSpec("zhouxiaofeng", ACCEPTED),
            ReflectionSpec("sunyaqin", RETURNED, comment="请结合学生党建工作补充具体举措。"),
        ),
    ),
    # 商学院
    SessionSpec(
        "sx", SessionKind.LECTURE,
        "学习贯彻党的二十届三中全会精神 推进数字商科人才培养改革专题辅导",
        "数字商科人才培养改革", date(2025, 9, 18), (14, 30), 2, "商学院报告厅",
        "zhenghongmei", SessionStatus.PUBLISHED,
        materials=("third-plenum",),
        talks=(
            TalkSpec(CHAIR, "zhenghongmei", "介绍报告人并作总结，要求把改革部署转化为学院"
                     "人才培养方案的具体调整。"),
            TalkSpec(KEYNOTE, None, "解读三中全会关于深化教育综合改革的部署，分析数字经济"
                     "对商科人才能力结构的新要求。", title="数字经济时代的商科人才培养",
                     speaker_name="陈思远（上海财经大学商学院教授）"),
        ),
        reflection_due_on=date(2025, 10, 9), min_reflection_chars=500,
        theme="数字经济正在深刻改变商业形态和岗位需求。学院要推进数字商科改革，把数据分析、"
        "数字营销等能力融入各专业课程体系。",
        reflections=(
            ReflectionSpec("wangjianhua", ACCEPTED), ReflectionSpec("fengli", ACCEPTED),
            ReflectionSpec("chenlijun", SUBMITTED),
        ),
    ),
    SessionSpec(
        "sx", SessionKind.COLLECTIVE, "深入学习贯彻中央八项规定精神 锤炼过硬作风",
        "中央八项规定精神", date(2026, 6, 11), (14, 0), 1.5, "商学院会议室",
        "zhenghongmei", SessionStatus.CLOSED,
        materials=("eight-rules", "style-excerpts"),
        talks=(
            TalkSpec(CHAIR, "zhenghongmei", "领学中央八项规定，通报学院作风建设自查情况。"),
            TalkSpec(KEYNOTE, "fengli", "就学生工作中的作风问题作重点发言。"),
            TalkSpec(EXCHANGE, "chenlijun", "就校企合作项目经费管理作交流发言。"),
        ),
        reflection_due_on=date(2026, 6, 25), min_reflection_chars=500,
        theme="作风建设永远在路上。学院班子要带头严守中央八项规定精神，在校企合作、实习"
        "安排、经费使用等环节立规矩、守底线。",
        reflections=(
            ReflectionSpec("wangjianhua", ACCEPTED), ReflectionSpec("fengli", ACCEPTED),
            ReflectionSpec("chenlijun", ACCEPTED),
        ),
    ),
    # 健康与护理学院
    SessionSpec(
        "hl", SessionKind.SEMINAR,
        "学习贯彻党的二十届四中全会精神 推进健康服务类专业建设专题研讨",
        "健康服务类专业建设", date(2026, 1, 15), (14, 0), 2, "健康楼201会议室",
        "linxiaoyan", SessionStatus.PUBLISHED,
        materials=("fourth-plenum",),
        talks=(
            TalkSpec(CHAIR, "linxiaoyan", "领学全会公报，要求围绕健康中国建设谋划专业发展。"),
            TalkSpec(EXCHANGE, "huangzhiming", "就护理、康复治疗专业与医院共建作研讨发言。"),
            TalkSpec(EXCHANGE, "maxiaoli", "就养老服务人才培养和社区实践教学作研讨发言。"),
        ),
        reflection_due_on=date(2026, 1, 29), min_reflection_chars=500,
        theme="健康中国建设和人口老龄化对健康服务人才提出了更高要求。学院要深化医教协同，"
        "把实践教学延伸到医院、社区和养老机构。",
        reflections=(
            ReflectionSpec("huangzhiming", ACCEPTED), ReflectionSpec("maxiaoli", SUBMITTED),
        ),
        tasks=(
            TaskSpec("与社区卫生服务中心共建实践教学基地", None, date(2026, 6, 30),
                     TaskStatus.OPEN, assignee="maxiaoli"),
        ),
    ),
)


def upcoming(today: date) -> tuple[SessionSpec, ...]:
    """Sessions being planned, a few weeks after the day the demo is loaded."""
    return (
        SessionSpec(
            "uni", SessionKind.COLLECTIVE, "年度专题民主生活会会前集中学习研讨",
            "民主生活会会前学习", today + timedelta(days=14), (14, 30), 3, "518会议室",
            "pingjie", SessionStatus.DRAFT,
            materials=("style-excerpts", "eight-rules"),
            min_reflection_chars=800,
        ),
        SessionSpec(
            "hl", SessionKind.COLLECTIVE, "学习贯彻习近平总书记关于职业教育的重要指示精神",
            "关于职业教育的重要指示精神", today + timedelta(days=21), (14, 0), 2,
            "健康楼201会议室", "linxiaoyan", SessionStatus.DRAFT,
            materials=("vocational-instruction",),
            min_reflection_chars=500,
        ),
    )


def recent(today: date) -> tuple[SessionSpec, ...]:
    """A session held six days before the demo is loaded: its reflections are due in eight
    days, so the demo member (张瑜) still has one to write, the secretary has fresh submissions
    to review and the task given to the member is new."""
    day = today - timedelta(days=6)
    return (
        SessionSpec(
            "uni", SessionKind.COLLECTIVE,
            "深入学习贯彻习近平总书记关于教育的重要论述 落实立德树人根本任务",
            "关于教育的重要论述", day, (14, 30), 2.5, "518会议室", "pingjie",
            SessionStatus.PUBLISHED,
            materials=("education-conference", "education-outline"),
            talks=(
                TalkSpec(CHAIR, "pingjie", "领学习近平总书记在全国教育大会上的重要讲话，强调"
                         "办好职业本科必须坚持社会主义办学方向，把立德树人融入思想道德教育、"
                         "文化知识教育、技术技能培养和社会实践教育各环节。"),
                TalkSpec(KEYNOTE, "chenxiaobin", "围绕“培养什么人、怎样培养人、为谁培养人”"
                         "谈学校人才培养定位，提出以岗位能力为导向修订人才培养方案，推进"
                         "“三全育人”综合改革。",
                         title="把立德树人根本任务落实到人才培养全过程"),
                TalkSpec(EXCHANGE, "guanyanyan", "结合思想政治工作，提出推进“大思政课”建设，"
                         "用好行业企业劳模工匠资源，建设一批课程思政示范课程。"),
                TalkSpec(EXCHANGE, "member", "结合分管的教学工作，提出把职业素养和工匠精神"
                         "培育写进课程标准，推进教材、教法改革和实习实训全过程育人。"),
                TalkSpec(EXCHANGE, "kouxinjian", "结合后勤和校园建设，提出打造“一站式”学生"
                         "社区，发挥服务育人、环境育人作用。"),
            ),
            leaves=(LeaveSpec("luoning", "带队赴外省参加职业教育国际合作论坛",
                              today - timedelta(days=2), ON_THE_JOB),),
            minutes="会议集体学习习近平总书记关于教育的重要论述，中心组成员围绕落实立德树人"
            "根本任务交流发言。\n\n会议要求，各部门、各二级学院要把立德树人成效作为检验学校"
            "一切工作的根本标准，一个月内梳理形成本领域“三全育人”问题清单和改进措施。\n\n"
            "请中心组成员按时提交不少于600字的学习心得体会。",
            reflection_due_on=today + timedelta(days=8), min_reflection_chars=600,
            theme="习近平总书记关于教育的重要论述，深刻回答了“培养什么人、怎样培养人、为谁"
            "培养人”这一根本问题。职业本科培养的是高层次技术技能人才，既要有过硬的本领，更要"
            "有坚定的理想信念和精益求精的工匠精神，立德树人必须落实到每一门课、每一次实训。",
            reflections=(
                ReflectionSpec("kouxinjian", ACCEPTED, after_days=1,
                               comment="联系后勤服务育人谈得实，举措可操作。"),
                ReflectionSpec("chenxiaobin", SUBMITTED, after_days=2),
                ReflectionSpec("guanyanyan", SUBMITTED, after_days=3),
                ReflectionSpec("xuweidong", DRAFT, body="立德树人是教育的根本任务，也是检验"
                               "学校一切工作的根本标准。从纪检监察工作的角度看，"),
            ),
            tasks=(
                TaskSpec("梳理分管领域“三全育人”问题清单和改进措施",
                         "对照会议要求，梳理教学管理、课程建设、实习实训等环节的育人短板，"
                         "形成问题清单和改进措施，报党委办公室汇总。",
                         today + timedelta(days=24), assignee="member"),
                TaskSpec("制定“大思政课”建设实施方案", None, today + timedelta(days=40),
                         assignee="guanyanyan"),
            ),
        ),
    )
