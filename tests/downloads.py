"""How a user gets a report or an export now: ask for it (a button: POST), land on the job's
page, the worker (django-tasks-db's `db_worker`) builds the file, the page offers it,
download it."""

import re
from urllib.parse import urlencode

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_worker_once() -> int:
    """What `manage.py db_worker --batch` does with the queue, in this process and inside the
    test's transaction: the package's own claim and run of each ready task, without the
    worker loop's connection recycling (which would close the test's connection). How many
    tasks ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def fetch_file(client, url, data=None, *, form=None):
    """The download response of the file `url` asks for (`data` in its query string, `form`
    posted as the request form's fields), its bytes read into `.body`; fails the test if any
    step is not what the user would see."""
    query = urlencode(data or {})
    asked = client.post(f"{url}?{query}" if query else url, form or {})
    assert asked.status_code == 303, (asked.status_code, asked.content[:300])
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
