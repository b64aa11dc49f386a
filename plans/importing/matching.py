"""Which stored task each row of a revised annex is: tasks are matched by what they say.

A province revises its annex (bổ sung, điều chỉnh): it inserts, deletes and moves tasks,
renumbers them and their sections, corrects a word, renames a sheet. A task is its content,
not its row number, so a row is matched to a stored task by its folded description:
1. exact: the same folded text; where several rows and tasks share one text, the supporting
   evidence below decides which is which;
2. near-identical: the remaining rows and tasks are compared with rapidfuzz's similarity
   (0–100), and every pair above CANDIDATE_SIMILARITY is a candidate.
The candidates are then solved as one optimal one-to-one assignment (scipy's
linear_sum_assignment, per connected group of candidates, which is the same optimum as one
matrix over the plan) maximising the similarity plus the supporting evidence: the same
section title, the same number, the same lead agencies, the same sheet, a nearby position, and
recorded work on the task (a repaired plan whose twins were created by an older import gives
the work back to the task it was recorded on).

A near-identical match (NEAR_IDENTICAL or more, no close rival) is certain: a correction. A
weaker one is only a suggestion: the reviewer decides in the preview, and until then the row
is read as a new task.

This module is pure: no database, so its rules are tested on their own.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# Below this similarity two descriptions are different tasks; from it up to NEAR_IDENTICAL the
# reviewer decides; from NEAR_IDENTICAL up, a correction of the same task.
CANDIDATE_SIMILARITY = 60.0
NEAR_IDENTICAL = 90.0
# A suggestion with a rival this close (for the row or for the task) is not certain.
RIVAL_MARGIN = 3.0
# Rows compared with the stored tasks per block, so memory stays small on 10,000-task plans.
BLOCK_ROWS = 512

EXACT, NEAR, SUGGESTED, CHOSEN = "exact", "near", "suggested", "chosen"

_SPACES = re.compile(r"\s+")


def normalise_number(number: str) -> str:
    """ "5. 1", "5.1." and "5.1" are one number."""
    return _SPACES.sub("", number or "").rstrip(".")


@dataclass(frozen=True)
class Signature:
    """What matching knows of a task, stored or read from the workbook."""

    key: object  # a stored task's pk, or a row's index in the import
    text: str  # folded description
    section_title: str  # folded section title
    number: str  # normalised
    sheet: str  # folded
    leads: frozenset = frozenset()
    position: float = 0.0  # 0 at the top of the plan, 1 at the bottom
    worked: bool = False  # stored only: someone recorded work on it
    live: bool = True  # stored only: not withdrawn


@dataclass
class Match:
    row: object  # the row's key
    task: object | None  # the stored task's key, None for a new task
    similarity: float = 0.0
    how: str = ""  # EXACT, NEAR, CHOSEN; SUGGESTED only in `suggestions`


@dataclass
class Matching:
    matches: dict = field(default_factory=dict)  # row key → Match (matched rows only)
    # Rows with only an uncertain candidate: row key → Match(how=SUGGESTED); read as new.
    suggestions: dict = field(default_factory=dict)

    def task_of(self, row) -> object | None:
        match = self.matches.get(row)
        return match.task if match else None


def _support(row: Signature, task: Signature) -> float:
    """Evidence beside the text, at most 20 points: enough to tell duplicates apart and to
    prefer the right one of two similar candidates, never enough to match different texts."""
    score = 0.0
    if row.section_title == task.section_title:
        score += 8
    if row.number and row.number == task.number:
        score += 4
    if row.leads or task.leads:
        score += 3 * len(row.leads & task.leads) / len(row.leads | task.leads)
    if row.sheet == task.sheet:
        score += 1
    score += 1 - min(1.0, abs(row.position - task.position))
    if task.worked:
        score += 2
    if task.live:
        score += 1
    return score


def _solve(pairs: dict[tuple[int, int], float]) -> list[tuple[int, int]]:
    """The one-to-one choice of pairs with the largest total weight (pairs absent from the dict
    are impossible). Solved per connected group of rows and tasks, each a small dense matrix."""
    if not pairs:
        return []
    rows = sorted({r for r, _ in pairs})
    tasks = sorted({t for _, t in pairs})
    row_at = {r: i for i, r in enumerate(rows)}
    task_at = {t: len(rows) + i for i, t in enumerate(tasks)}
    edges = list(pairs)
    graph = coo_matrix(
        (
            np.ones(len(edges)),
            ([row_at[r] for r, _ in edges], [task_at[t] for _, t in edges]),
        ),
        shape=(len(rows) + len(tasks),) * 2,
    )
    _count, labels = connected_components(graph, directed=False)
    groups: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for edge in edges:
        groups[labels[row_at[edge[0]]]].append(edge)
    chosen = []
    for group in groups.values():
        if len(group) == 1:
            chosen.append(group[0])
            continue
        group_rows = sorted({r for r, _ in group})
        group_tasks = sorted({t for _, t in group})
        at_row = {r: i for i, r in enumerate(group_rows)}
        at_task = {t: i for i, t in enumerate(group_tasks)}
        # Impossible pairs cost more than any possible assignment gains.
        weights = np.full((len(group_rows), len(group_tasks)), -1e9)
        for r, t in group:
            weights[at_row[r], at_task[t]] = pairs[(r, t)]
        row_index, task_index = linear_sum_assignment(weights, maximize=True)
        for i, j in zip(row_index, task_index, strict=True):
            if weights[i, j] > -1e9:
                chosen.append((group_rows[i], group_tasks[j]))
    return chosen


def _similar_pairs(rows: list[Signature], tasks: list[Signature]) -> dict:
    """(row index, task index) → text similarity, for every pair at CANDIDATE_SIMILARITY or more."""
    found: dict[tuple[int, int], float] = {}
    if not rows or not tasks:
        return found
    choices = [t.text for t in tasks]
    for start in range(0, len(rows), BLOCK_ROWS):
        block = rows[start : start + BLOCK_ROWS]
        scores = process.cdist(
            [r.text for r in block],
            choices,
            scorer=fuzz.ratio,
            score_cutoff=CANDIDATE_SIMILARITY,
            dtype=np.float32,
            workers=-1,
        )
        for i, j in zip(*np.nonzero(scores), strict=True):
            found[(start + int(i), int(j))] = float(scores[i, j])
    return found


def match_tasks(
    rows: list[Signature],
    tasks: list[Signature],
    *,
    chosen: dict | None = None,
    accept_suggestions: bool = False,
) -> Matching:
    """Match the workbook's rows to the stored tasks.

    `chosen`: the reviewer's decisions on earlier suggestions, row key → task key (the same
    task) or None (a new task); a choice naming a task that is not among `tasks` is ignored.
    `accept_suggestions`: take every uncertain suggestion as a match (the command line's
    --accept-suggestions).
    """
    result = Matching()
    chosen = chosen or {}
    task_by_key = {t.key: t for t in tasks}
    taken: set = set()
    for row in rows:
        if row.key not in chosen:
            continue
        target = chosen[row.key]
        if target is None:
            result.matches[row.key] = None  # decided: a new task
        elif target in task_by_key and target not in taken:
            taken.add(target)
            similarity = fuzz.ratio(row.text, task_by_key[target].text)
            result.matches[row.key] = Match(row.key, target, similarity, CHOSEN)
    open_rows = [r for r in rows if r.key not in result.matches]
    open_tasks = [t for t in tasks if t.key not in taken]
    result.matches = {k: m for k, m in result.matches.items() if m is not None}

    # 1. The same text: within each text, the supporting evidence tells duplicates apart.
    rows_by_text: dict[str, list[int]] = defaultdict(list)
    tasks_by_text: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(open_rows):
        if row.text:
            rows_by_text[row.text].append(i)
    for j, task in enumerate(open_tasks):
        if task.text:
            tasks_by_text[task.text].append(j)
    exact_pairs = {
        (i, j): 100 + _support(open_rows[i], open_tasks[j])
        for text, row_indexes in rows_by_text.items()
        for i in row_indexes
        for j in tasks_by_text.get(text, ())
    }
    for i, j in _solve(exact_pairs):
        result.matches[open_rows[i].key] = Match(open_rows[i].key, open_tasks[j].key, 100.0, EXACT)

    # A row with no text (a number and nothing else) is the stored task with no text, the same
    # number and the same section title, if there is exactly one.
    matched_tasks = {m.task for m in result.matches.values()}
    blanks = defaultdict(list)
    for task in open_tasks:
        if not task.text and task.key not in matched_tasks:
            blanks[(task.section_title, task.number)].append(task)
    for row in open_rows:
        if not row.text and len(blanks.get((row.section_title, row.number), ())) == 1:
            task = blanks.pop((row.section_title, row.number))[0]
            result.matches[row.key] = Match(row.key, task.key, 100.0, EXACT)
            matched_tasks.add(task.key)

    # 2. Near-identical and similar texts among what is left.
    rest_rows = [r for r in open_rows if r.key not in result.matches and r.text]
    rest_tasks = [t for t in open_tasks if t.key not in matched_tasks and t.text]
    similarity = _similar_pairs(rest_rows, rest_tasks)
    weights = {
        pair: score + _support(rest_rows[pair[0]], rest_tasks[pair[1]])
        for pair, score in similarity.items()
    }
    best_of_row: dict[int, list[float]] = defaultdict(list)
    best_of_task: dict[int, list[float]] = defaultdict(list)
    for (i, j), score in similarity.items():
        best_of_row[i].append(score)
        best_of_task[j].append(score)
    for i, j in _solve(weights):
        row, task, score = rest_rows[i], rest_tasks[j], similarity[(i, j)]
        rivals = (
            sorted(best_of_row[i], reverse=True)[1:2] + sorted(best_of_task[j], reverse=True)[1:2]
        )
        certain = score >= NEAR_IDENTICAL and all(score - r > RIVAL_MARGIN for r in rivals)
        if certain:
            result.matches[row.key] = Match(row.key, task.key, score, NEAR)
        elif accept_suggestions:
            result.matches[row.key] = Match(row.key, task.key, score, CHOSEN)
        else:
            result.suggestions[row.key] = Match(row.key, task.key, score, SUGGESTED)
    return result


def match_sections(
    imported: list[Signature], stored: list[Signature], votes: dict[tuple, int]
) -> dict:
    """Imported section key → stored section key, one to one. `votes[(imported, stored)]`
    counts the tasks of the imported section matched to tasks of the stored one; a section
    is also the stored one with the same (or a near-identical) title. Renumbering (I → 1),
    renaming the sheet or reordering sections changes nothing."""
    pairs: dict[tuple[int, int], float] = {}
    for i, section in enumerate(imported):
        for j, candidate in enumerate(stored):
            weight = float(votes.get((section.key, candidate.key), 0))
            if section.text == candidate.text:
                weight += 5
            elif section.text and fuzz.ratio(section.text, candidate.text) >= NEAR_IDENTICAL:
                weight += 3
            if weight <= 0:
                continue
            if section.sheet == candidate.sheet:
                weight += 0.5
            if section.number == candidate.number:
                weight += 0.25
            pairs[(i, j)] = weight
    return {imported[i].key: stored[j].key for i, j in _solve(pairs)}
