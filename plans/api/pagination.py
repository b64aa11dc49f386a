from django.db.models import BigIntegerField, ExpressionWrapper, F
from rest_framework.pagination import CursorPagination

from agencies.roles import is_administrator, is_leader, is_reviewer


class IdCursorPagination(CursorPagination):
    """Pages that stay right while rows are added: the position is the last id seen (an
    opaque `cursor`), not an offset, so a client syncing thousands of rows reads each once."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor_query_description = "Vị trí trang (lấy từ `next`/`previous` của trang trước)."
    page_size_query_description = "Số dòng mỗi trang (tối đa 1000, mặc định 100)."


class ProvinceCursorPagination(IdCursorPagination):
    """The assignments' pages, by id like the others. A province's rows hold a narrow band of
    ids (an annex is imported at once), which PostgreSQL's estimates do not know: walking the
    primary key until 25 of them come up looked cheap and read every assignment of the
    provinces before (~0,8 s on ten times the national data). When the rows are one
    province's (a Sở Nội vụ reviewer or a leader, or the `province` filter), they are
    ordered by the id as a value: the province's matching rows are gathered through its plans
    and tasks and the page taken from them. Same rows, same order, same cursors."""

    def paginate_queryset(self, queryset, request, view=None):
        user = request.user
        narrowed = request.query_params.get("province") or (
            not is_administrator(user) and (is_reviewer(user) or is_leader(user))
        )
        if narrowed:
            # "+ 0": a value no index is ordered by (what a page costs is the province's rows).
            queryset = queryset.annotate(
                row_id=ExpressionWrapper(F("pk") + 0, output_field=BigIntegerField())
            )
            self.ordering = "row_id"
        return super().paginate_queryset(queryset, request, view)
