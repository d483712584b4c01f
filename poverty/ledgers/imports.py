"""Import jobs: upload → check → preview → apply, each a JobRun the page follows.

The upload is stored under media/imports/; the check job reads it and keeps the outcome
(counts, the first problems) in ``JobRun.result`` and the error workbook as its result file;
the apply job re-runs the same check inside one transaction and writes only if it passes.
Small files run in the request, large ones on a worker; the pages are the same.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.ledgers.imports import Problem, household_import, import_error_workbook
from poverty.jobs.models import JobRun
from poverty.jobs.services import job_enqueue_once, job_finish, job_progress, job_start
from poverty.ledgers.services import job_file_path
from poverty.scoping import user_profile
from poverty.xlsx import FileRejected, header_normalize, workbook_open

__all__ = [
    "IMPORT_APPLY_KIND",
    "IMPORT_CHECK_KIND",
    "IMPORT_KINDS",
    "import_function",
    "import_kind_hint",
    "import_kind_note",
    "ledger_import_apply_start",
    "ledger_import_check_start",
    "ledger_import_run",
]

log = logging.getLogger(__name__)
IMPORT_CHECK_KIND = "ledger_import_check"
IMPORT_APPLY_KIND = "ledger_import_apply"

# What an upload holds → label on the import page (the import function: import_function).
IMPORT_KINDS = {
    "households": gettext_lazy("贫困户及家庭成员、年度收入、两不愁三保障"),
    "visits": gettext_lazy("走访记录"),
    "pairings": gettext_lazy("结对帮扶"),
}


def import_function(kind: str):
    """The check/apply function of an import kind (same signature as household_import)."""
    if kind == "visits":
        from assistance.ledger_imports import visit_import

        return visit_import
    if kind == "pairings":
        from assistance.ledger_imports import pairing_import

        return pairing_import
    return household_import


def _kind_sheet_names() -> dict[str, set[str]]:
    """Each import kind → the normalised names (and aliases) of the sheets it reads."""
    from assistance.ledger_imports import PAIRING_SHEET, VISIT_SHEET
    from households.ledgers.columns import SHEETS

    def names(*specs) -> set[str]:
        return {header_normalize(n) for spec in specs for n in (spec.name, *spec.aliases)}

    return {
        "households": names(*SHEETS),
        "visits": names(VISIT_SHEET),
        "pairings": names(PAIRING_SHEET),
    }


def import_kind_hint(sheet_names, chosen: str) -> str | None:
    """The one other import kind whose sheets the file holds when it holds none of ``chosen``'s.

    Used to tell a user who picked the wrong "文件内容" on the import page what to pick.
    """
    present = {header_normalize(name) for name in sheet_names}
    kinds = _kind_sheet_names()
    if present & kinds.get(chosen, set()):
        return None
    others = [kind for kind, names in kinds.items() if kind != chosen and present & names]
    return others[0] if len(others) == 1 else None


def import_kind_note(outcome, path, kind: str) -> None:
    """When a failed import's file is plainly of another kind, say so first among its problems."""
    if outcome.ok:
        return
    try:
        hint = import_kind_hint(workbook_open(path).sheet_names, kind)
    except FileRejected:  # not a workbook at all: the outcome says so already
        return
    if hint is not None:
        message = _(
            "这个文件是“%(found)s”，选择的文件内容却是“%(chosen)s”：请改选“%(found)s”后重新上传"
        ) % {"found": IMPORT_KINDS[hint], "chosen": IMPORT_KINDS.get(kind, kind)}
        outcome.problems.insert(0, Problem("", None, "", message))


def _store_upload(upload) -> str:
    name = f"imports/{uuid.uuid4().hex}.xlsx"
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return name


def _start(job: JobRun, *, inline: bool) -> None:
    if inline:
        ledger_import_run(job.pk)
        return
    from poverty.ledgers.tasks import ledger_import_task

    transaction.on_commit(lambda: ledger_import_task.delay(job.pk))


def ledger_import_check_start(user, upload, kind: str = "households") -> JobRun:
    """Store the upload and check it (in the request when small). Refuses non-.xlsx at once.

    ``kind`` (a key of IMPORT_KINDS) says what the file holds."""
    workbook_open(upload.file, filename=upload.name)  # raises FileRejected with the reason
    name = _store_upload(upload)
    profile = user_profile(user)
    job, _created = job_enqueue_once(
        kind=IMPORT_CHECK_KIND,
        subject=f"{user.pk}:{uuid.uuid4().hex}",
        region_code=profile.region_code if profile else "",
        created_by=user,
    )
    JobRun.objects.filter(pk=job.pk).update(
        result={
            "params": {
                "upload": name,
                "filename": upload.name,
                "size": upload.size,
                "kind": kind if kind in IMPORT_KINDS else "households",
            }
        },
        message=_("排队检查：%(f)s") % {"f": upload.name},
    )
    _start(job, inline=upload.size <= settings.LEDGER_SYNC_MAX_BYTES)
    job.refresh_from_db()
    return job


def ledger_import_apply_start(user, check: JobRun) -> JobRun:
    """Apply a checked upload; one apply per check (a second click finds the same job)."""
    params = (check.result or {}).get("params") or {}
    job, created = job_enqueue_once(
        kind=IMPORT_APPLY_KIND,
        subject=f"check:{check.pk}",
        region_code=check.region_code,
        created_by=user,
    )
    if created:
        JobRun.objects.filter(pk=job.pk).update(
            result={"params": {**params, "check_job": check.pk}},
            message=_("排队导入：%(f)s") % {"f": params.get("filename", "")},
        )
        _start(job, inline=params.get("size", 0) <= settings.LEDGER_SYNC_MAX_BYTES)
    job.refresh_from_db()
    return job


def ledger_import_run(job_id: int) -> None:
    job = job_start(job_id)
    if job is None:
        return
    params = (job.result or {}).get("params") or {}
    apply = job.kind == IMPORT_APPLY_KIND
    try:
        path = default_storage.path(params.get("upload", ""))
        kind = params.get("kind", "households")
        outcome = import_function(kind)(
            job.created_by,
            path,
            filename=params.get("filename", ""),
            apply=apply,
            progress=lambda done, total: job_progress(job_id, done=done, total=total),
        )
        import_kind_note(outcome, path, kind)
        result = {"params": params, "kind": kind, **outcome.summary()}
        if not outcome.ok:
            name = job_file_path("errors.xlsx")
            target = Path(default_storage.path(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                import_error_workbook(outcome, handle)
            JobRun.objects.filter(pk=job_id).update(result_file=name)
            result["filename"] = f"错误说明_{Path(params.get('filename', '导入文件')).stem}.xlsx"
            message = _("检查未通过：共 %(n)s 个问题，未导入任何数据") % {
                "n": len(outcome.problems)
            }
        elif apply:
            message = _("导入完成")
        else:
            message = _("检查通过，可以导入")
        job_progress(job_id, done=100, total=100)
        job_finish(job_id, ok=outcome.ok, message=message, result=result)
    except FileRejected as exc:
        job_finish(job_id, ok=False, message=str(exc), result={"params": params})
    except Exception:
        log.exception("ledger import job %s failed", job_id)
        job_finish(
            job_id,
            ok=False,
            message=_("导入失败，未导入任何数据（任务编号 %(id)s）") % {"id": job_id},
            result={"params": params},
        )
        raise
