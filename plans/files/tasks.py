"""The background task that builds the files users ask for (django-tasks, run by `manage.py
db_worker`; the period reminder's task is in plans/tasks.py). Thin: it calls the services of
plans/files/jobs.py with the id it was given."""

import logging

from django_tasks import TaskContext, task

from plans.files.jobs import file_job_run, file_job_start, file_jobs_housekeeping

logger = logging.getLogger("plans.jobs")


@task(takes_context=True)
def file_job_build(context: TaskContext, job_id: int) -> str:
    """Build the file of job `job_id`, unless another task has the job now."""
    job = file_job_start(job_id=job_id, task_result_id=str(context.task_result.id))
    if job is None:
        logger.info("file job %s: not this task's any more, skipped", job_id)
        return "skipped"
    job = file_job_run(job)
    # Lost runs of other jobs and old files are looked at after every file, so nothing waits
    # on the daily timer or the next restart of a worker.
    file_jobs_housekeeping()
    return job.status
