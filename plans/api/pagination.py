from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Pages that stay right while rows are added: the position is the last id seen (an
    opaque `cursor`), not an offset, so a client syncing thousands of rows reads each once."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor_query_description = "Vị trí trang (lấy từ `next`/`previous` của trang trước)."
    page_size_query_description = "Số dòng mỗi trang (tối đa 1000, mặc định 100)."
