"""Background jobs (后台任务): long work off the request, run by the job queue's worker.

- `queue`: Huey, built for the app from its configuration (SQLite file in the instance folder
  by default, Redis when STUDYTRACK_QUEUE_URL says so); only a job's id goes through it.
- `services`: asking for a job (joining the same work already asked for), running it with
  its progress, retries and errors, and removing the files whose time is up.
- `archive`: the yearly study archive of a group.
- `exports`: a session report's PDF and a unit's dashboard workbook, each its asker's.
- `routes`: a job's page (progress, then the download) and the administrator's list.
"""
