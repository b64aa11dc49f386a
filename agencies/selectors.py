"""Reads for provinces and agencies."""

import datetime

from django.db.models import Count, Q

from agencies.models import Agency, Province
from agencies.roles import is_administrator, province_ids_of, settle_provinces
from parindex.core.text import fold


class ProvinceNotFound(Exception):
    """The message says, in Vietnamese, what was looked for and what to type instead."""


def province_by_name(name: str, *, year: int | None = None) -> Province:
    """A province by name, slug or code; an old and a new unit sharing a name are told apart by
    the year (the unit in force in the middle of that year)."""
    wanted = fold(name).removeprefix("tinh ").removeprefix("tp ").removeprefix("thanh pho ")
    candidates = [
        p
        for p in Province.objects.all()
        if p.slug == name or p.code == name or fold(p.name) == wanted
    ]
    if year is not None and len(candidates) > 1:
        mid_year = datetime.date(year, 7, 1)
        in_force = Province.objects.valid_on(mid_year).filter(pk__in=[p.pk for p in candidates])
        candidates = list(in_force) or candidates
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ProvinceNotFound(f"Không tìm thấy tỉnh “{name}”.")
    slugs = ", ".join(p.slug for p in candidates)
    raise ProvinceNotFound(
        f"Có nhiều đơn vị tên “{name}” (trước và sau sáp nhập 2025): hãy ghi rõ năm kế hoạch "
        f"hoặc dùng mã định danh: {slugs}."
    )


def agency_choices(*, user, text: str, limit: int = 20) -> list[dict]:
    """Agencies whose name contains the typed text (no case, no diacritics), in the user's
    provinces (all for administrators)."""
    folded = fold(text)
    agencies = Agency.objects.select_related("province").order_by("province__code", "name")
    if not is_administrator(user):
        agencies = agencies.filter(province_id__in=province_ids_of(user))
    if folded:
        agencies = agencies.filter(search_name__contains=folded)
    return [
        {
            "id": a.pk,
            "name": a.name,
            "province": str(a.province),
            "label": f"{a.name} – {a.province}",
        }
        for a in agencies[:limit]
    ]


def unknown_name_counts(*, user):
    """The provinces whose unknown agency names the user may settle, with how many each has
    (`unknown`): a reviewer's own provinces, even with none; for administrators, the provinces
    that have some. One query."""
    provinces = settle_provinces(user).annotate(
        unknown=Count("agencies", filter=Q(agencies__verified=False))
    )
    return provinces.filter(unknown__gt=0) if is_administrator(user) else provinces
