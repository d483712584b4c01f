"""Background job bookkeeping: the JobRun row is the single source of truth for a job."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["JobRun", "JobStatus"]


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


ACTIVE_STATUSES = [JobStatus.PENDING, JobStatus.RUNNING]


class JobRun(models.Model):
    """One run of a background job (后台任务): its kind, subject, progress and outcome."""

    scope_field = "region_code"

    kind = models.CharField(_("任务类型"), max_length=50)
    subject = models.CharField(_("任务对象"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    progress_done = models.PositiveIntegerField(_("已完成"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.TextField(_("消息"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/%Y/%m/", blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished = models.DateTimeField(_("结束时间"), null=True, blank=True)
    worker = models.CharField(_("执行进程"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created"]
        constraints = [
            # Nothing is enqueued twice: one active job per kind and subject.
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="jobs_jobrun_one_active_per_subject",
                violation_error_message=_("同一任务正在运行中"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} ({self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
