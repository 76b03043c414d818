"""A few knowledge base entries so a fresh desk can answer common questions."""

from django.db import migrations

ENTRIES = [
    (
        "大件垃圾如何清运",
        "大件垃圾（旧家具、床垫等）请预约社区大件垃圾清运服务，或投放到小区指定的大件垃圾暂存点，"
        "不得随意堆放在道路或绿地。",
        "大件垃圾 家具 床垫 清运",
    ),
    (
        "占道经营如何办理许可",
        "临时占用道路摆摊、促销需向城市管理部门申请临时占道许可，携带身份证明和场地示意图到"
        "政务服务中心城管窗口办理。",
        "占道 摆摊 许可 促销",
    ),
    (
        "户外广告设置审批",
        "设置户外广告、门头招牌需向城市管理部门申请审批，提交设计图、安全检测报告等材料，"
        "审批时限为20个工作日。",
        "广告 招牌 门头 审批",
    ),
    (
        "渣土运输核准",
        "建筑垃圾（渣土）运输车辆须取得处置核准并按规定路线、时间运输，车辆须密闭。"
        "核准到区城市管理委员会办理。",
        "渣土 建筑垃圾 运输 核准",
    ),
    (
        "12345 办理时限",
        "一般诉求7日内办结，复杂诉求15日内办结；水电气热等紧急诉求24小时内处置。办理期间承办单位"
        "会与您联系，办结后热线会回访。",
        "时限 多久 进度 办结",
    ),
]


def seed(apps, schema_editor):
    entry = apps.get_model("hotline", "KnowledgeEntry")
    for title, answer, keywords in ENTRIES:
        entry.objects.get_or_create(title=title, defaults={"answer": answer, "keywords": keywords})


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
