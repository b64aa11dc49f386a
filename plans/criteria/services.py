"""Writes for the index domain: results imported from a workbook, score statements accepted or
dismissed, tasks linked to the criteria they address."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from parindex.core.numbers import format_decimal, parse_shown
from parindex.indices.models import (
    Criterion,
    CriterionImport,
    CriterionScore,
    Edition,
    Index,
    RejectedSuggestion,
    Result,
    ResultImport,
    StatementDecision,
)
from plans.criteria.selectors import linkable_criteria
from plans.evidence import sha256_of
from plans.importing.criteria import read_criteria
from plans.importing.results import read_results
from plans.models import Task

# Tasks ↔ criteria ------------------------------------------------------------------------


def task_criterion_link(*, task: Task, criterion: Criterion) -> None:
    """Record that a task addresses a criterion of its plan's index edition."""
    if criterion.pk not in {c.pk for c in linkable_criteria(task=task)}:
        raise ValidationError(
            f"Tiêu chí {criterion.code} ({criterion.edition}) không thuộc phiên bản chỉ số "
            "áp dụng cho kế hoạch của nhiệm vụ này."
        )
    task.criteria.add(criterion)


def task_criterion_unlink(*, task: Task, criterion: Criterion) -> None:
    task.criteria.remove(criterion)


@dataclass
class SuggestionOutcome:
    linked: int = 0
    rejected: int = 0


@transaction.atomic
def suggestions_decide(
    *, tasks: list[Task], decisions: dict[tuple[int, int], str], user
) -> SuggestionOutcome:
    """Sở Nội vụ's answers to suggested links, all written or none: "accept" links the task to
    the criterion (checked as a link made by hand is), "reject" records that the task does not
    address it, so it is not suggested again. `tasks` are those the user may decide for."""
    by_pk = {task.pk: task for task in tasks}
    criteria = Criterion.objects.in_bulk({criterion_id for _, criterion_id in decisions})
    outcome = SuggestionOutcome()
    for (task_id, criterion_id), decision in sorted(decisions.items()):
        task, criterion = by_pk.get(task_id), criteria.get(criterion_id)
        if task is None or criterion is None:
            raise ValidationError("Gợi ý này không còn; hãy tải lại trang.")
        if decision == "accept":
            task_criterion_link(task=task, criterion=criterion)
            outcome.linked += 1
        else:
            _, created = RejectedSuggestion.objects.get_or_create(
                task=task, criterion=criterion, defaults={"decided_by": user}
            )
            outcome.rejected += created
    return outcome


# Results workbook ------------------------------------------------------------------------


def result_import_preview(
    *,
    data: bytes,
    file_name: str,
    province,
    index: Index,
    year: int,
    edition: Edition,
    totals: dict,
    user,
) -> ResultImport:
    """Read a results workbook and keep what was understood, row by row, with every problem
    and what confirming would change. Nothing but the preview record is written.
    Raises `ResultsRefused` for a file that cannot be read at all."""
    table = read_results(data, file_name=file_name)
    criteria = {c.code: c for c in Criterion.objects.filter(edition=edition)}
    result = Result.objects.filter(province=province, index=index, year=year).first()
    stored = {}
    if result is not None:
        stored = {
            code: (achieved, maximum)
            for code, achieved, maximum in result.scores.values_list(
                "criterion__code", "achieved", "maximum"
            )
        }
    rows, seen = [], {}
    for row in table.rows:
        criterion = criteria.get(row.code)
        problems = list(row.problems)
        if row.code and criterion is None:
            problems.append(f"Mã “{row.code}” không có trong {edition}.")
        if row.code in seen:
            problems.append(f"Mã “{row.code}” lặp lại (đã có ở dòng {seen[row.code]}).")
        seen.setdefault(row.code, row.row)
        maximum = row.maximum
        if maximum is None and criterion is not None:
            maximum = criterion.max_score
        if row.achieved is not None and maximum is not None and row.achieved > maximum:
            problems.append(
                f"Điểm đạt {format_decimal(row.achieved)} lớn hơn điểm tối đa {format_decimal(maximum)}."
            )
        old = stored.get(row.code)
        if old is None:
            change = "new"
        elif old == (row.achieved, maximum):
            change = "unchanged"
        else:
            change = "updated"
        rows.append(
            {
                "row": row.row,
                "code": row.code,
                "name": row.name,
                "criterion": criterion.name if criterion else "",
                "achieved": format_decimal(row.achieved),
                "maximum": format_decimal(maximum),
                "old": [format_decimal(old[0]), format_decimal(old[1])] if old else None,
                "change": change,
                "problems": problems,
            }
        )
    problems = [f"Dòng {r['row']}: {p}" for r in rows for p in r["problems"]]
    if not rows:
        problems.append("Bảng không có dòng kết quả nào dưới dòng tiêu đề.")
    return ResultImport.objects.create(
        province=province,
        index=index,
        year=year,
        edition=edition,
        file_name=file_name[:255],
        sha256=sha256_of(data),
        totals={
            key: format_decimal(value)
            if isinstance(value, Decimal)
            else ("" if value is None else value)
            for key, value in totals.items()
        },
        rows=rows,
        problems=problems,
        created_by=user,
    )


@dataclass
class ResultImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def result_import_confirm(*, preview: ResultImport, user) -> ResultImportOutcome:
    """Write a preview's result and criterion scores, all in one transaction or nothing.
    Scores are updated in place; scores of criteria the workbook does not list are kept, and
    totals left empty in the form keep their recorded value."""
    if preview.problems:
        raise ValidationError("Bảng còn lỗi; hãy sửa tệp và nhập lại.")
    # Compare-and-swap: two clicks (or two reviewers) confirm a preview once.
    claimed = ResultImport.objects.filter(pk=preview.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now(), confirmed_by=user
    )
    if not claimed:
        raise ValidationError("Bản xem trước này đã được xác nhận nhập.")
    criteria = {c.code: c for c in Criterion.objects.filter(edition=preview.edition)}
    result, _ = Result.objects.get_or_create(
        province=preview.province, index=preview.index, year=preview.year
    )
    totals = preview.totals
    for name in ("total", "maximum"):
        if totals.get(name, "") != "":
            setattr(result, name, parse_shown(totals[name]))
    for name in ("rank", "rank_of"):
        if totals.get(name, "") != "":
            setattr(result, name, int(totals[name]))
    if totals.get("band", ""):
        result.band = totals["band"]
    if result.total is not None and result.maximum is None:
        result.maximum = preview.edition.max_total
    if not result.source:
        result.source = f"Nhập từ tệp {preview.file_name}"[:300]
    result.full_clean()
    result.save()
    stored = {score.criterion_id: score for score in result.scores.all()}
    outcome = ResultImportOutcome()
    for row in preview.rows:
        criterion = criteria.get(row["code"])
        if criterion is None:  # the edition changed since the preview: write nothing
            raise ValidationError(f"Mã “{row['code']}” không còn trong {preview.edition}.")
        achieved, maximum = parse_shown(row["achieved"]), parse_shown(row["maximum"])
        score = stored.get(criterion.pk)
        if score is None:
            score = CriterionScore(result=result, criterion=criterion)
            outcome.created += 1
        elif (score.achieved, score.maximum) == (achieved, maximum):
            outcome.unchanged += 1
            continue
        else:
            outcome.updated += 1
        score.achieved, score.maximum = achieved, maximum
        score.full_clean()
        score.save()
    return outcome


# Score statements ------------------------------------------------------------------------


def _statement(task: Task, text: str) -> dict:
    for statement in task.score_statements:
        if statement.get("text") == text:
            return statement
    raise ValidationError(
        "Không tìm thấy điểm số này trong nhiệm vụ (phụ lục có thể vừa được nhập lại)."
    )


def _undecided(task: Task, text: str) -> None:
    if StatementDecision.objects.filter(task=task, text=text).exists():
        raise ValidationError("Điểm số này đã được xử lý.")


@transaction.atomic
def statement_accept(
    *, task: Task, text: str, index: Index, year: int, criterion: Criterion | None, user
) -> StatementDecision:
    """Record a statement found in a task's text as the province's score for a criterion of
    the index edition in force that year, or (criterion None) as the index total."""
    statement = _statement(task, text)
    _undecided(task, text)
    edition = index.edition_for(year)
    if criterion is not None and (edition is None or criterion.edition_id != edition.pk):
        raise ValidationError(f"Tiêu chí {criterion.code} không thuộc {index} năm {year}.")
    achieved = Decimal(str(statement["achieved"]))
    maximum = Decimal(str(statement["maximum"])) if statement.get("maximum") is not None else None
    result, _ = Result.objects.get_or_create(
        province_id=task.plan.province_id, index=index, year=year
    )
    score = None
    if criterion is None:
        result.total = achieved
        result.maximum = maximum if maximum is not None else (edition and edition.max_total)
        if statement.get("group") and not result.band:
            result.band = statement["group"][:50]
        result.full_clean()
        result.save()
    else:
        score = CriterionScore.objects.filter(result=result, criterion=criterion).first()
        score = score or CriterionScore(result=result, criterion=criterion)
        score.achieved = achieved
        score.maximum = maximum if maximum is not None else criterion.max_score
        if score.maximum is not None and achieved > score.maximum:
            raise ValidationError(
                f"Điểm {format_decimal(achieved)} lớn hơn điểm tối đa {format_decimal(score.maximum)} "
                f"của tiêu chí {criterion.code}."
            )
        score.full_clean()
        score.save()
    decision = StatementDecision(
        task=task,
        text=text[:500],
        decision=StatementDecision.Decision.ACCEPTED,
        score=score,
        decided_by=user,
    )
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def statement_dismiss(*, task: Task, text: str, user) -> StatementDecision:
    """The statement is not a result to record (a target, another province's figure...)."""
    _statement(task, text)
    _undecided(task, text)
    decision = StatementDecision(
        task=task, text=text[:500], decision=StatementDecision.Decision.DISMISSED, decided_by=user
    )
    decision.full_clean()
    decision.save()
    return decision


# Criteria workbook -----------------------------------------------------------------------


def _used_criteria(edition: Edition) -> set[int]:
    """The edition's criteria that tasks address or scores record, and their ancestors (a
    criterion removed takes its children with it)."""
    parents = dict(Criterion.objects.filter(edition=edition).values_list("pk", "parent_id"))
    used = set(
        Task.criteria.through.objects.filter(criterion__edition=edition).values_list(
            "criterion_id", flat=True
        )
    )
    used |= set(
        CriterionScore.objects.filter(criterion__edition=edition).values_list(
            "criterion_id", flat=True
        )
    )
    with_ancestors = set()
    for pk in used:
        while pk is not None and pk not in with_ancestors:
            with_ancestors.add(pk)
            pk = parents.get(pk)
    return with_ancestors


def criteria_import_preview(
    *, data: bytes, file_name: str, edition: Edition, user
) -> CriterionImport:
    """Read a criteria workbook for an edition and keep what was understood, row by row, with
    every problem and what confirming would change: new, updated and unchanged criteria, and
    the stored criteria the file no longer lists (kept when tasks or scores use them, else
    removed). Nothing but the preview record is written.
    Raises `CriteriaRefused` for a file that cannot be read at all."""
    table = read_criteria(data, file_name=file_name)
    stored = {c.code: c for c in Criterion.objects.filter(edition=edition).select_related("parent")}
    in_file = {row.code for row in table.rows if row.code}
    used = _used_criteria(edition)
    rows, seen = [], {}
    for row in table.rows:
        problems = list(row.problems)
        if row.code in seen:
            problems.append(f"Mã “{row.code}” lặp lại (đã có ở dòng {seen[row.code]}).")
        seen.setdefault(row.code, row.row)
        parent = row.parent_code
        if row.code and parent and parent not in in_file and parent not in stored:
            problems.append(f"Không có mục cha “{parent}” của mã “{row.code}” trong tệp.")
        old = stored.get(row.code)
        values = {
            "name": row.name,
            "level": row.level,
            "max_score": format_decimal(row.max_score),
            "parent": parent,
        }
        before = None
        if old is not None:
            before = {
                "name": old.name,
                "level": old.level,
                "max_score": format_decimal(old.max_score),
                "parent": old.parent.code if old.parent else "",
            }
        if before is None:
            change = "new"
        elif before == values:
            change = "unchanged"
        else:
            change = "updated"
        rows.append(
            {
                "row": row.row,
                "code": row.code,
                **values,
                "level_label": str(Criterion.Level(row.level).label) if row.level else "",
                "old": before if change == "updated" else None,
                "change": change,
                "problems": problems,
            }
        )
    needed_parents = {row.parent_code for row in table.rows if row.code}
    absent = [
        {
            "code": code,
            "name": criterion.name,
            "kept": criterion.pk in used or code in needed_parents,
        }
        for code, criterion in sorted(stored.items(), key=lambda item: item[1].position)
        if code not in in_file
    ]
    problems = [f"Dòng {r['row']}: {p}" for r in rows for p in r["problems"]]
    if not rows:
        problems.append("Bảng không có dòng tiêu chí nào dưới dòng tiêu đề.")
    return CriterionImport.objects.create(
        edition=edition,
        file_name=file_name[:255],
        sha256=sha256_of(data),
        rows=rows,
        absent=absent,
        problems=problems,
        created_by=user,
    )


@dataclass
class CriteriaImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: int = 0


@transaction.atomic
def criteria_import_confirm(*, preview: CriterionImport, user) -> CriteriaImportOutcome:
    """Write a preview's tree into its edition, all in one transaction or nothing. Criteria
    are matched by code and updated in place, so links and scores stay on them; a stored
    criterion the file no longer lists is removed only if no task or score uses it (checked
    again now, not as it was at the preview)."""
    if preview.problems:
        raise ValidationError("Bảng còn lỗi; hãy sửa tệp và nhập lại.")
    claimed = CriterionImport.objects.filter(pk=preview.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now(), confirmed_by=user
    )
    if not claimed:
        raise ValidationError("Bản xem trước này đã được xác nhận nhập.")
    edition = preview.edition
    stored = {c.code: c for c in Criterion.objects.filter(edition=edition)}
    outcome = CriteriaImportOutcome()
    # Parents before children: a code's depth orders them, the file's order breaks ties.
    ordered = sorted(
        enumerate(preview.rows, start=1), key=lambda item: (item[1]["code"].count("."), item[0])
    )
    for position, row in ordered:
        criterion = stored.get(row["code"])
        parent = stored.get(row["parent"]) if row["parent"] else None
        if row["parent"] and parent is None:  # removed since the preview: write nothing
            raise ValidationError(f"Không còn mục cha “{row['parent']}” trong {edition}.")
        values = {
            "name": row["name"],
            "level": row["level"],
            "max_score": parse_shown(row["max_score"]),
            "parent": parent,
            "position": position,
        }
        if criterion is None:
            criterion = Criterion(edition=edition, code=row["code"])
            outcome.created += 1
        elif all(getattr(criterion, key) == value for key, value in values.items()):
            outcome.unchanged += 1
            continue
        elif row["change"] == "unchanged":
            outcome.unchanged += 1  # only its place in the tree's order moved
        else:
            outcome.updated += 1
        for key, value in values.items():
            setattr(criterion, key, value)
        criterion.full_clean()
        criterion.save()
        stored[criterion.code] = criterion
    in_file = {row["code"] for row in preview.rows}
    used = _used_criteria(edition)
    needed = {row["parent"] for row in preview.rows}
    gone = [c for code, c in stored.items() if code not in in_file]
    for criterion in sorted(gone, key=lambda c: -c.code.count(".")):
        if criterion.pk in used or criterion.code in needed:
            outcome.kept += 1
        else:
            criterion.delete()
            outcome.removed += 1
    return outcome
