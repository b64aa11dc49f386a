"""Which criteria a task addresses: automatic links where a plan's section is an index area or
dimension, and ranked suggestions from the task's text otherwise.

Automatic. The 2018 PAPI annex groups its tasks under the PAPI dimensions ("1 Tham gia của
người dân ở cấp cơ sở", "3 Trách nhiệm giải trình với nhân dân"): a section whose folded title
is close to an area's name (and whose number, when it has one, is the area's code) links all
its tasks to that area. Sections named after a lead agency ("SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN")
match no area and link nothing.

Suggested. Otherwise the criteria the task may be linked to (`criteria_for_plan`) are ranked
by how much of a criterion's wording the task's text contains: both are folded
(parindex.core.text.fold), the usual abbreviations spelt out (TTHC → thủ tục hành chính), the
phrases every plan uses dropped; the score blends the share of the criterion's syllables and
syllable pairs found in the task, rarer terms weighing more, with rapidfuzz's token-set ratio.
A criterion Sở Nội vụ rejected for a task, or already linked to it, is not suggested again.
Measured against hand links by `manage.py measure_suggestions` (plans.tooling).

This module reads and links; it sits below the services (the annex import calls it).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from rapidfuzz import fuzz

from parindex.core.text import fold
from parindex.indices.models import Criterion, Edition, RejectedSuggestion
from plans.models import Plan, Task

# Folded abbreviations of the annexes and the criteria, spelt out so both sides say the same.
ABBREVIATIONS = {
    "tthc": "thu tuc hanh chinh",
    "cchc": "cai cach hanh chinh",
    "vbqppl": "van ban quy pham phap luat",
    "ttdt": "thong tin dien tu",
    "dvc": "dich vu cong",
    "dvctt": "dich vu cong truc tuyen",
    "bcci": "buu chinh cong ich",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "cbccvc": "can bo cong chuc vien chuc",
    "dvsn": "don vi su nghiep",
    "nsnn": "ngan sach nha nuoc",
    "kt-xh": "kinh te xa hoi",
    "ktxh": "kinh te xa hoi",
    "cntt": "cong nghe thong tin",
    "qlnn": "quan ly nha nuoc",
    "mttq": "mat tran to quoc",
}

# Folded phrases every task says and that tell nothing about which criterion it addresses.
# Whole phrases, never single syllables: "tục" of "tiếp tục" is also "thủ tục".
STOP_PHRASES = (
    "tiep tuc",
    "thuc hien",
    "tang cuong",
    "day manh",
    "nang cao",
    "dam bao",
    "duy tri",
    "kiem tra",
    "theo doi",
    "don doc",
    "tham muu",
    "chi dao",
    "trien khai",
    "quy dinh",
    "theo quy dinh",
    "co quan",
    "don vi",
    "dia phuong",
    "thuong xuyen",
    "kip thoi",
    "day du",
    "hieu qua",
    "ho tro",
    "cac so",
    "ban nganh",
    "tren dia ban",
    "uy ban nhan dan",
)
STOPWORDS = frozenset(
    [
        "cac",
        "va",
        "cua",
        "trong",
        "tren",
        "cho",
        "de",
        "theo",
        "voi",
        "tai",
        "tu",
        "ve",
        "la",
        "co",
        "duoc",
        "nhung",
        "mot",
        "so",
        "viec",
        "khi",
        "da",
        "nay",
        "do",
    ]
)
_STOP_PHRASES = re.compile(r"\b(" + "|".join(sorted(STOP_PHRASES, key=len, reverse=True)) + r")\b")

_NON_WORD = re.compile(r"[^a-z0-9\-]+")

# A section title at least this close to an area's name (token_sort_ratio of the folded words,
# 0–100) is that area. "Trách nhiệm giải trình với nhân dân" against "... với người dân": 89.
SECTION_MATCH = 85
# Suggestions scoring below this (rapidfuzz 0–100) are not offered.
SUGGESTION_FLOOR = 30
SUGGESTIONS_SHOWN = 3
AREA_FACTOR = 0.85


def words(text: str) -> list[str]:
    """The telling syllables of a text, in order: folded, abbreviations spelt out, the phrases
    and words every plan uses dropped."""
    spelt = []
    for word in _NON_WORD.sub(" ", fold(text).replace("&", " ")).split():
        word = word.strip("-")
        spelt.append(ABBREVIATIONS.get(word, word))
    kept = _STOP_PHRASES.sub(" ", " ".join(spelt))
    return [w for w in kept.split() if w not in STOPWORDS and len(w) > 1 and not w.isdigit()]


def terms(syllables: list[str]) -> set[str]:
    """Syllables and pairs of neighbouring syllables: Vietnamese words are mostly two
    syllables ("thủ tục", "hành chính"), so a pair is what carries the meaning."""
    return set(syllables) | {f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)}


def editions_for_plan(plan: Plan) -> list[Edition]:
    """The editions a plan reacts to, one per index: in force in its base year or, when that is
    not recorded, in the year before the plan's (the results a plan answers are last year's).
    Only the plan's indices when it names some."""
    year = plan.base_year or plan.year - 1
    editions = Edition.objects.filter(first_year__lte=year).filter(
        Q(last_year__isnull=True) | Q(last_year__gte=year)
    )
    index_ids = [index.pk for index in plan.indices.all()]
    if index_ids:
        editions = editions.filter(index_id__in=index_ids)
    return list(editions.select_related("index").order_by("index_id", "-first_year"))


def criteria_for_plan(plan: Plan) -> list[Criterion]:
    """The criteria a plan's tasks may be linked to and are suggested: those of the editions
    of its indices (every index when the plan names none) in force in the plan's base year
    or, when that is not recorded, in the year before the plan's and the plan's own year."""
    years = [plan.base_year] if plan.base_year else [plan.year - 1, plan.year]
    in_force = Q()
    for year in years:
        in_force |= Q(edition__first_year__lte=year) & (
            Q(edition__last_year__isnull=True) | Q(edition__last_year__gte=year)
        )
    criteria = Criterion.objects.filter(in_force).select_related("edition", "edition__index")
    index_ids = [index.pk for index in plan.indices.all()]
    if index_ids:
        criteria = criteria.filter(edition__index_id__in=index_ids)
    return list(criteria.order_by("edition__index_id", "edition__first_year", "position", "code"))


# Automatic links ----------------------------------------------------------------------------


def section_area(number: str, title: str, areas: list[Criterion]) -> Criterion | None:
    """The area a section is, or None: the closest area name above SECTION_MATCH, and when the
    section is numbered with digits, only an area of that code."""
    title_words = " ".join(sorted(words(title)))
    if not title_words:
        return None
    number = number.strip().rstrip(".")
    best, best_score = None, 0.0
    for area in areas:
        if number.isdigit() and area.code != number:
            continue
        score = fuzz.token_sort_ratio(title_words, " ".join(sorted(words(area.name))))
        if score > best_score:
            best, best_score = area, score
    return best if best_score >= SECTION_MATCH else None


def plan_link_sections(plan: Plan) -> int:
    """Link every current task of a section that is an index area to that area; the number of
    new links. Existing links (made by hand or before) are kept, and a pair Sở Nội vụ
    rejected is not linked again. Three queries and one insert for a whole plan."""
    areas = [
        area
        for edition in editions_for_plan(plan)
        for area in Criterion.objects.filter(edition=edition, parent__isnull=True).order_by(
            "position", "code"
        )
    ]
    if not areas:
        return 0
    section_to_area = {}
    for section in plan.sections.all():
        area = section_area(section.number, section.title, areas)
        if area is not None:
            section_to_area[section.pk] = area
    if not section_to_area:
        return 0
    tasks = Task.objects.filter(
        plan=plan, section_id__in=section_to_area, withdrawn_at__isnull=True
    ).values_list("pk", "section_id")
    through = Task.criteria.through
    linked = set(through.objects.filter(task__plan=plan).values_list("task_id", "criterion_id"))
    rejected = set(
        RejectedSuggestion.objects.filter(task__plan=plan).values_list("task_id", "criterion_id")
    )
    new = []
    for task_id, section_id in tasks:
        pair = (task_id, section_to_area[section_id].pk)
        if pair not in linked and pair not in rejected:
            new.append(through(task_id=pair[0], criterion_id=pair[1]))
    through.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# Suggestions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    criterion: Criterion
    score: float  # 0–100


def _weights(criteria_terms: list[set[str]]) -> dict[str, float]:
    """Inverse document frequency over the candidate criteria: a term many criteria share
    ("hành chính") tells less than one only a few have ("giải ngân")."""
    frequency: dict[str, int] = defaultdict(int)
    for found in criteria_terms:
        for term in found:
            frequency[term] += 1
    total = len(criteria_terms) + 1
    return {term: math.log(total / count) + 0.1 for term, count in frequency.items()}


def score(task_syllables: list[str], criterion_syllables: list[str], weights: dict) -> float:
    """How much of a criterion's wording the task's text holds (0–100): the weighted share of
    the criterion's terms found in the task, blended with rapidfuzz's token-set ratio of the
    two texts (which forgives a syllable typed differently)."""
    if not task_syllables or not criterion_syllables:
        return 0.0
    task_terms, criterion_terms = terms(task_syllables), terms(criterion_syllables)
    weight = {term: weights.get(term, 1.0) for term in criterion_terms}
    coverage = sum(weight[t] for t in criterion_terms & task_terms) / sum(weight.values())
    similarity = fuzz.token_set_ratio(" ".join(task_syllables), " ".join(criterion_syllables))
    return round(70 * coverage + 0.3 * similarity, 2)


def rank_criteria(text: str, criteria: list[Criterion]) -> list[Suggestion]:
    """The criteria ordered by `score` against the text, best first, those above the floor.
    On equal scores a criterion goes before an area (the more precise link)."""
    task_syllables = words(text)
    criterion_syllables = [words(criterion.name) for criterion in criteria]
    weights = _weights([terms(found) for found in criterion_syllables])
    ranked = []
    for criterion, found in zip(criteria, criterion_syllables, strict=True):
        value = score(task_syllables, found, weights)
        if criterion.level == Criterion.Level.AREA:
            # An area's few words are in many tasks; it is the fallback when no criterion
            # of it is named.
            value = round(value * AREA_FACTOR, 2)
        if value >= SUGGESTION_FLOOR:
            ranked.append(Suggestion(criterion=criterion, score=value))
    ranked.sort(
        key=lambda s: (-s.score, s.criterion.level == Criterion.Level.AREA, s.criterion.code)
    )
    return ranked


def task_suggestions(
    task: Task, candidates: list[Criterion], *, limit: int = SUGGESTIONS_SHOWN
) -> list[Suggestion]:
    """The task page's suggestions among `candidates` (the criteria it may still be linked
    to), leaving out those rejected for it: one query, when anything is suggested at all."""
    ranked = rank_criteria(" ".join((task.description, task.expected_result)), candidates)
    if not ranked:
        return []
    rejected = set(
        RejectedSuggestion.objects.filter(task=task).values_list("criterion_id", flat=True)
    )
    return [s for s in ranked if s.criterion.pk not in rejected][:limit]


def suggestions_for_tasks(
    tasks: list[Task], *, limit: int = SUGGESTIONS_SHOWN
) -> dict[int, list[Suggestion]]:
    """Up to `limit` suggestions per task (task id → suggestions), leaving out the criteria
    already linked to the task or rejected for it: the same as `task_suggestions` gives on
    each task's page. Each plan's criteria are read once. Queries: the plans' indices and
    criteria (two per plan), the links and the rejections (two)."""
    if not tasks:
        return {}
    task_ids = [task.pk for task in tasks]
    out_of_play: dict[int, set[int]] = defaultdict(set)
    for task_id, criterion_id in Task.criteria.through.objects.filter(
        task_id__in=task_ids
    ).values_list("task_id", "criterion_id"):
        out_of_play[task_id].add(criterion_id)
    for task_id, criterion_id in RejectedSuggestion.objects.filter(
        task_id__in=task_ids
    ).values_list("task_id", "criterion_id"):
        out_of_play[task_id].add(criterion_id)
    by_plan: dict[int, list[Criterion]] = {}
    result = {}
    for task in tasks:
        if task.plan_id not in by_plan:
            by_plan[task.plan_id] = criteria_for_plan(task.plan)
        text = " ".join((task.description, task.expected_result))
        ranked = [
            s
            for s in rank_criteria(text, by_plan[task.plan_id])
            if s.criterion.pk not in out_of_play[task.pk]
        ]
        result[task.pk] = ranked[:limit]
    return result
