"""Abstract model bases shared by every app, and the access models (role profile, access log)."""

from contextlib import nullcontext

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from poverty.roles import Role

__all__ = ["AccessEvent", "AccessLog", "ApiToken", "TimeStampedModel", "UserProfile"]


# {(field, language): {code: label}}: choice labels of get_FOO_display, built once per field
# and language. Django's own version hashes every lazy label on each call (a translation per
# choice): on the household page, with its dozens of coded member fields, that was a tenth
# of the rendering time.
_CHOICE_LABELS: dict = {}


def _check_constraint_results(instance, constraints, exclude, using) -> list[bool] | None:
    """Evaluate several CheckConstraints on an unsaved instance in one query.

    Django's CheckConstraint.validate asks the database once per constraint (Q.check); a
    household with eight constraints and four members with six each made a registration
    spend most of its time in those queries. Here every condition becomes one column of a
    single ``SELECT`` over the instance's values, with Django's own semantics: a NULL result
    passes (COALESCE to true), a constraint naming an excluded field is skipped (None).
    Returns None when the database cannot answer, so the caller falls back to Django's path.
    """
    from django.core.exceptions import FieldError
    from django.db import DatabaseError, connections, transaction
    from django.db.models import BooleanField, ExpressionWrapper, Q, Value
    from django.db.models.functions import Coalesce
    from django.db.models.sql import Query
    from django.db.models.sql.constants import SINGLE

    against = instance._get_field_expression_map(meta=instance._meta, exclude=exclude)
    query = Query(None)
    for name, value in against.items():
        query.add_annotation(
            value if hasattr(value, "resolve_expression") else Value(value), name, select=False
        )
    names: list[str | None] = []
    for index, constraint in enumerate(constraints):
        condition = Coalesce(
            ExpressionWrapper(Q(constraint.condition), output_field=BooleanField()),
            Value(True),
            output_field=BooleanField(),
        )
        try:
            query.add_annotation(condition, f"_check_{index}")
        except FieldError:  # refers to an excluded field: not checked, as in Django
            names.append(None)
            continue
        names.append(f"_check_{index}")
    if not any(names):
        return [True] * len(constraints)
    connection = connections[using]
    try:
        with transaction.atomic(using=using) if connection.in_atomic_block else nullcontext():
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError:
        return None
    values = dict(zip(query.annotation_select, row, strict=True))
    return [True if name is None else bool(values[name]) for name in names]


class OneQueryCheckConstraintsMixin:
    """Model.validate_constraints with every CheckConstraint of a model checked in one query."""

    def validate_constraints(self, exclude=None):
        from django.core.exceptions import ValidationError
        from django.db import router

        using = router.db_for_write(self.__class__, instance=self)
        errors: dict = {}
        for model_class, model_constraints in self.get_constraints():
            checks = [c for c in model_constraints if isinstance(c, models.CheckConstraint)]
            others = [c for c in model_constraints if not isinstance(c, models.CheckConstraint)]
            results = _check_constraint_results(self, checks, exclude, using) if checks else []
            if results is None:  # the database could not answer: Django's own path
                others, results = model_constraints, []
            for constraint, passed in zip(checks, results, strict=False):
                if not passed:
                    error = ValidationError(
                        constraint.get_violation_error_message(),
                        code=constraint.violation_error_code,
                    )
                    errors = error.update_error_dict(errors)
            for constraint in others:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as e:
                    if (
                        getattr(e, "code", None) == "unique"
                        and len(getattr(constraint, "fields", ())) == 1
                    ):
                        errors.setdefault(constraint.fields[0], []).append(e)
                    else:
                        errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class TimeStampedModel(OneQueryCheckConstraintsMixin, models.Model):
    """Creation and last-change stamps, set by the database layer, never by hand."""

    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name)
        key = (field, get_language())
        labels = _CHOICE_LABELS.get(key)
        if labels is None:
            labels = {make_hashable(v): str(label) for v, label in field.flatchoices}
            _CHOICE_LABELS[key] = labels
        value = getattr(self, field.attname)
        return labels.get(make_hashable(value), value)


class UserProfile(models.Model):
    """A user's role and region (角色与管辖区域): the input of every scoping decision."""

    user = models.OneToOneField(
        "auth.User", verbose_name=_("用户"), on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    # Empty for the system administrator (whole system); otherwise a 12-digit division code.
    region_code = models.CharField(_("管辖区划代码"), max_length=12, blank=True)
    # A village work team may serve several villages; their codes, besides region_code.
    extra_region_codes = ArrayField(
        models.CharField(max_length=12), verbose_name=_("其他管辖村"), default=list, blank=True
    )
    # Inspectors' access ends by itself at this moment.
    expires_at = models.DateTimeField(_("访问截止时间"), null=True, blank=True)
    # A cadre login is linked to its Cadre row (assistance.Cadre.user) for pairing scope.
    see_sensitive_override = models.BooleanField(
        _("允许查看敏感信息"),
        default=False,
        help_text=_("为默认脱敏的角色（如检查组）单独授权查看完整证件号码等"),
    )
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")
        ordering = ["role", "region_code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="admin") | models.Q(region_code__regex=r"^[0-9]{12}$"),
                name="poverty_userprofile_region_required",
                violation_error_message=_("除系统管理员外，用户必须指定管辖区划"),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="inspector") | models.Q(expires_at__isnull=False),
                name="poverty_userprofile_inspector_expires",
                violation_error_message=_("检查组账号必须设置访问截止时间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region_code or '全部'}"


class AccessEvent(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    EXPORT = "export", _("导出")
    DOWNLOAD = "download", _("下载")
    LOCKED_OUT = "locked_out", _("账号锁定")


class AccessLog(models.Model):
    """One login, failed login, export or download (访问日志), kept for inspectors."""

    event = models.CharField(_("事件"), max_length=20, choices=AccessEvent.choices)
    user = models.ForeignKey(
        "auth.User", verbose_name=_("用户"), on_delete=models.SET_NULL, null=True, blank=True
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.event}"


class ApiToken(models.Model):
    """A revocable API token (接口令牌) of one user; only its SHA-256 digest is stored.

    Created by POST /api/v1/auth/token/ with the user's password; the secret is shown once.
    Expires after settings.API_TOKEN_TTL (None: never); revoking keeps the row for the record.
    """

    user = models.ForeignKey(
        "auth.User", verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途说明"), max_length=100, blank=True)
    key_digest = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("令牌前缀"), max_length=12)  # shown in lists to tell tokens apart
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"
