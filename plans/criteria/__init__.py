"""The criteria loop: index results and scores, the lost points, and the tasks linked to the
criteria they address (writes in services, reads in selectors)."""
