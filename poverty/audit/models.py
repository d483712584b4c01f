"""Change history (痕迹管理): who changed what, when, from where, through which channel."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ChangeAction", "ChangeRecord", "Channel"]


class Channel(models.TextChoices):
    PAGE = "page", _("页面")
    API = "api", _("接口")
    IMPORT = "import", _("导入")
    ADMIN = "admin", _("后台管理")
    JOB = "job", _("后台任务")
    COMMAND = "command", _("命令")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    RESTORE = "restore", _("恢复")
    PURGE = "purge", _("彻底删除")


class ChangeRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):  # history is append-only
        raise PermissionError("change records cannot be edited")

    def delete(self):
        raise PermissionError("change records cannot be deleted")


class ChangeRecord(models.Model):
    """One change of user-entered data, with the before and after of each changed field.

    Written explicitly by the services inside the same transaction as the change (so bulk
    writes are recorded too); never edited or deleted — a database trigger refuses it.
    """

    scope_field = "division_code"
    household_path = "household_id"

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    user_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    request_id = models.CharField(_("请求编号"), max_length=36, blank=True)  # audit_request_id
    action = models.CharField(_("操作"), max_length=10, choices=ChangeAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=50)  # "households.member"
    object_id = models.CharField(_("对象编号"), max_length=40)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("所属贫困户"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # audit_household_at (household, at) serves every lookup by household
    )
    division_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict)  # {field: [before, after]}
    message = models.CharField(_("说明"), max_length=300, blank=True)

    objects = ChangeRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["household", "at"], name="audit_household_at"),
            # a plain index for looking a request up (no varchar_pattern_ops twin: nothing
            # searches request ids by prefix, and each index costs every history insert)
            models.Index(fields=["request_id"], name="audit_request_id"),
            models.Index(
                fields=["division_code"],
                name="audit_division_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_name} {self.action} {self.object_type}#{self.object_id}"
