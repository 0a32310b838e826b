"""The backup domain's business errors.

A module of their own because both `service` (requests) and `runner` (jobs) raise them, and
`service` imports `runner`.
"""

from __future__ import annotations

from nexa.core.errors import BadRequest, Conflict, NexaError, NotFound


class BackupNotFound(NotFound, code="backup_not_found"): ...


class BackupBusy(Conflict, code="backup_in_progress"): ...


class BackupInUse(Conflict, code="backup_in_use"): ...


class BackupNotCompleted(Conflict, code="backup_not_completed"): ...


class RestoreInProgress(Conflict, code="restore_in_progress"): ...


class ConfirmationRequired(BadRequest, code="confirmation_required"): ...


class InvalidBackupFile(NexaError, code="invalid_backup_file"):
    status_code = 422


class BackupFileNotRemoved(NexaError, code="backup_file_not_removed"):
    status_code = 500
