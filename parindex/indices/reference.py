"""Loading the indices, their editions and top-level areas, and the seed results, from `fixtures/`.

Re-runnable like `agencies.reference`: natural keys, updates in place, no duplicates.
"""

from django.db import transaction

from agencies.models import Province
from agencies.reference import LoadReport, read_fixture, upsert
from parindex.core.numbers import as_decimal
from parindex.indices.models import Criterion, CriterionScore, Edition, Index, Result


def load_indices(report: LoadReport) -> None:
    for item in read_fixture("indices.json")["indices"]:
        index = upsert(
            Index,
            {"code": item["code"]},
            {key: item[key] for key in ("name", "full_name", "publisher", "scale")},
            report,
        )
        for spec in item["editions"]:
            edition = upsert(
                Edition,
                {"index": index, "first_year": spec["first_year"]},
                {
                    "name": spec["name"],
                    "decision_number": spec["decision_number"],
                    "last_year": spec["last_year"],
                    "max_total": as_decimal(spec.get("max_total")),
                },
                report,
            )
            for position, name in enumerate(spec["areas"], start=1):
                upsert(
                    Criterion,
                    {"edition": edition, "code": str(position)},
                    {
                        "name": name,
                        "level": Criterion.Level.AREA,
                        "parent": None,
                        "position": position,
                        "max_score": as_decimal(spec.get("area_max")),
                    },
                    report,
                )


def load_results(report: LoadReport) -> None:
    for item in read_fixture("results.json")["results"]:
        # Results name the province by its pre-2025 code: the unit that was scored that year.
        province = Province.objects.get(code=item["province"], valid_from__isnull=True)
        index = Index.objects.get(code=item["index"])
        result = upsert(
            Result,
            {"province": province, "index": index, "year": item["year"]},
            {
                "total": as_decimal(item["total"]),
                "maximum": as_decimal(item["maximum"]),
                "rank": item["rank"],
                "rank_of": item["rank_of"],
                "band": item["band"],
                "total_change": as_decimal(item["total_change"]),
                "rank_change": item["rank_change"],
                "source": item["source"],
            },
            report,
        )
        edition = index.edition_for(item["year"])
        for code, (achieved, maximum) in item.get("scores", {}).items():
            criterion = Criterion.objects.get(edition=edition, code=code)
            upsert(
                CriterionScore,
                {"result": result, "criterion": criterion},
                {"achieved": as_decimal(achieved), "maximum": as_decimal(maximum)},
                report,
            )


@transaction.atomic
def reference_indices_load() -> LoadReport:
    report = LoadReport()
    load_indices(report)
    load_results(report)
    return report
