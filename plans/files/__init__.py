"""The files users download, one protocol for all: the kinds (`kinds`: who may ask, typed
parameters, `render`), their builders (`export`: the plan and task-list workbooks, `reports`:
the periodic report), the jobs that build them off the request (`jobs`, `tasks`: django-tasks
run by `manage.py db_worker`) and the one attachment response (`responses`)."""
