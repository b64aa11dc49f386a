"""How a user gets a report or an export now: ask for it (the link), land on the job's page,
the job worker builds the file, the page offers it, download it."""

import re

from django.core.management import call_command


def run_worker_once() -> None:
    """What the job worker does with the queue, in this process: `--nice 0`, since lowering
    the priority of the test run itself would slow every test after it."""
    call_command("run_jobs", "--once", "--nice", "0")


def fetch_file(client, url, data=None):
    """The download response of the file `url` asks for, its bytes read into `.body`; fails
    the test if any step is not what the user would see."""
    asked = client.get(url, data or {})
    assert asked.status_code == 302, (asked.status_code, asked.content[:300])
    page_url = asked["Location"]
    assert re.fullmatch(r"/files/\d+/", page_url), page_url
    waiting = client.get(page_url)
    assert "Đang chuẩn bị tệp…" in waiting.text
    assert '<meta http-equiv="refresh" content="2">' in waiting.text
    run_worker_once()
    page = client.get(page_url)
    assert "Tệp đã sẵn sàng." in page.text, page.text
    assert 'http-equiv="refresh"' not in page.text
    link = re.search(r'href="(/files/\d+/download)"', page.text)
    assert link, page.text
    response = client.get(link[1])
    assert response.status_code == 200
    response.body = b"".join(response.streaming_content)
    return response
