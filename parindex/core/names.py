"""People's names, the Vietnamese way: one "Họ và tên", family name first ("Nguyễn Văn An").

Django's user keeps two fields and shows "first_name last_name". parindex stores the family and
middle names in `first_name` and the given name in `last_name` ("Nguyễn Văn" + "An"), so
`get_full_name()` reads in Vietnamese order, and the admin labels the two fields that way.
"""

import re

_SPACES = re.compile(r"\s+")


def split_full_name(full_name: str) -> tuple[str, str]:
    """("Nguyễn Văn", "An") for "Nguyễn  Văn An"; ("", "An") for a single word."""
    first, _, last = _SPACES.sub(" ", full_name or "").strip().rpartition(" ")
    return first, last


def full_name(user) -> str:
    """The user's "Họ và tên", or the user name when none was given."""
    return user.get_full_name().strip() or user.get_username()


def user_label(user) -> str:
    """How a picker names a user: "Nguyễn Văn An (an.nv)"."""
    name = user.get_full_name().strip()
    return f"{name} ({user.get_username()})" if name else user.get_username()
