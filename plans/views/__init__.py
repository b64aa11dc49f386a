"""The product's pages, one module per area: tasks (home, list, task page), imports, files
(reports, exports, job pages), dashboard (and reporting periods), agencies (unknown names),
criteria (index results and the criteria loop)."""
