"""The API's refusals in Vietnamese: Django REST framework's own translation leaves the most
common ones in English."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def _message(exc) -> str | None:
    if isinstance(exc, exceptions.NotAuthenticated):
        return "Chưa xác thực: hãy gửi mã truy cập trong tiêu đề “Authorization: Bearer <mã>”."
    if isinstance(exc, Http404 | exceptions.NotFound):
        return "Không tìm thấy (hoặc bạn không được xem)."
    if isinstance(exc, DjangoPermissionDenied) or (
        isinstance(exc, exceptions.PermissionDenied)
        and exc.detail == exceptions.PermissionDenied.default_detail
    ):
        return "Bạn không có quyền thực hiện thao tác này."
    if isinstance(exc, exceptions.Throttled):
        wait = f" sau {int(exc.wait) + 1} giây" if exc.wait is not None else " sau"
        return f"Đã quá số yêu cầu cho phép; hãy thử lại{wait}."
    if isinstance(exc, exceptions.ParseError):
        return "Nội dung yêu cầu không đọc được (JSON hoặc multipart/form-data không hợp lệ)."
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "Kiểu nội dung không được hỗ trợ: hãy gửi JSON hoặc multipart/form-data."
    return None


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    message = _message(exc)
    if response is not None and message and isinstance(response.data, dict):
        response.data["detail"] = message
    return response
