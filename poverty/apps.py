from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PovertyConfig(AppConfig):
    name = "poverty"
    verbose_name = _("系统")

    def ready(self):
        from poverty import access_log  # noqa: F401 - connects the login signal receivers
