"""Running work outside a request: submit, status, result, error, stored in the database."""

from opencmc.jobs.runner import JobRunner, job_kind, registered_kinds

__all__ = ["JobRunner", "job_kind", "registered_kinds"]
