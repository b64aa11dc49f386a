"""How good the suggested links are, measured against links made by hand.

The two shared annexes (fixtures/annexes/) are imported into Bắc Kạn, the sample PAR INDEX
2020–2021 tree (fixtures/criteria/) is loaded into its edition, and for every task the hand
links give (tests/plans/criteria_hand_links.json) the criteria of the plan's editions are
ranked by `rank_criteria`, exactly as the task page and the bulk screen rank them, without
leaving out what is linked already (so the automatic links of the PAPI annex do not hide the
ranker's own answer). Everything runs in a transaction rolled back at the end.

    precision@1   share of the tasks whose first suggestion is one of its hand links
    hit@3         share of the tasks with a hand link among the first three suggestions
    precision@3   share of the suggestions shown (at most three a task) that are hand links

and, for the automatic links (sections that are index areas), how many tasks were linked and
how many of those links are among the task's hand links.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from agencies.models import Province
from parindex.indices.models import Index
from plans.criteria.linking import criteria_for_plan, rank_criteria
from plans.criteria.services import criteria_import_confirm, criteria_import_preview
from plans.importing.pipeline import annex_import
from plans.models import Plan, Task

ROOT = Path(settings.BASE_DIR)
HAND_LINKS = ROOT / "tests" / "plans" / "criteria_hand_links.json"
SAMPLE_TREE = ROOT / "fixtures" / "criteria" / "par-index-2020-2021-mau.xlsx"
ANNEXES = {
    # file → plan number and year given on import, as a reviewer types them, then the base
    # year and the indices the plan's text names, as seed_demo records them (seed 000: the
    # 2021 Chỉ số CCHC and Chỉ số hài lòng; seed 002: PAPI 2016).
    "bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx": ("KH-2022", 2022, 2021, ["PAR", "SIPAS"]),
    "bac-kan-2018-ke-hoach-22-papi.xlsx": ("22/KH-UBND", 2018, 2016, ["PAPI"]),
}


class _Rollback(Exception):
    pass


def measure(*, hand_links_path: Path = HAND_LINKS) -> dict:
    """The figures per annex and overall (see the module's docstring)."""
    hand = json.loads(hand_links_path.read_text(encoding="utf-8"))
    figures: dict = {}
    try:
        with transaction.atomic():
            figures = _measure(hand)
            raise _Rollback
    except _Rollback:
        pass
    return figures


def _load_sample_tree() -> None:
    edition = Index.objects.get(code="PAR").edition_for(2021)
    preview = criteria_import_preview(
        data=SAMPLE_TREE.read_bytes(), file_name=SAMPLE_TREE.name, edition=edition, user=None
    )
    if preview.problems:
        raise RuntimeError(preview.problems)
    criteria_import_confirm(preview=preview, user=None)


def _measure(hand: dict) -> dict:
    _load_sample_tree()
    province = Province.objects.get(code="06", valid_from__isnull=True)
    out: dict = {"annexes": {}}
    totals = {"tasks": 0, "top1": 0, "hit3": 0, "shown3": 0, "right3": 0}
    for file_name, (number, year, base_year, indices) in ANNEXES.items():
        data = (ROOT / "fixtures" / "annexes" / file_name).read_bytes()
        report = annex_import(
            data=data, file_name=file_name, province=province, plan_number=number, year=year
        )
        if not report.ok:
            raise RuntimeError(report.errors)
        plan = Plan.objects.get(pk=report.plan_id)
        plan.base_year = base_year
        plan.save(update_fields=["base_year"])
        plan.indices.set(Index.objects.filter(code__in=indices))
        criteria = criteria_for_plan(plan)
        tasks = {
            (task.section.sheet, task.section.number, task.number): task
            for task in Task.objects.filter(plan=plan).select_related("section")
        }
        linked = {}
        for task_id, code, index in Task.criteria.through.objects.filter(
            task__plan=plan
        ).values_list("task_id", "criterion__code", "criterion__edition__index__code"):
            linked.setdefault(task_id, set()).add(f"{index}:{code}")
        counts = {"tasks": 0, "top1": 0, "hit3": 0, "shown3": 0, "right3": 0}
        auto = {"tasks": 0, "right": 0}
        misses = []
        for sheet, section, task_number, codes, _why in hand[file_name]:
            task = tasks[(sheet, section, task_number)]
            if task.pk in linked:
                auto["tasks"] += 1
                auto["right"] += bool(linked[task.pk] & set(codes))
            if not codes:
                continue
            ranked = [
                f"{s.criterion.edition.index.code}:{s.criterion.code}"
                for s in rank_criteria(" ".join((task.description, task.expected_result)), criteria)
            ][:3]
            counts["tasks"] += 1
            counts["top1"] += bool(ranked) and ranked[0] in codes
            counts["hit3"] += any(code in codes for code in ranked)
            counts["shown3"] += len(ranked)
            counts["right3"] += sum(code in codes for code in ranked)
            if not ranked or ranked[0] not in codes:
                misses.append((f"{sheet} {section} {task_number}", ranked, codes))
        for key in totals:
            totals[key] += counts[key]
        out["annexes"][file_name] = {**_rates(counts), "automatic": auto, "misses": misses}
    out["overall"] = _rates(totals)
    return out


def _rates(counts: dict) -> dict:
    tasks = counts["tasks"] or 1
    return {
        "tasks": counts["tasks"],
        "precision_at_1": round(counts["top1"] / tasks, 3),
        "hit_at_3": round(counts["hit3"] / tasks, 3),
        "precision_at_3": round(counts["right3"] / (counts["shown3"] or 1), 3),
        "suggestions_shown": counts["shown3"],
    }
