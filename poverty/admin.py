"""The admin site's own wording.

Django's admin autodiscovery imports this module like any app's ``admin.py``, so setting the
attributes on the default site here is enough; no custom AdminSite subclass is needed.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("精准扶贫业务管理系统")
admin.site.site_title = _("精准扶贫业务管理系统")
admin.site.index_title = _("数据管理")
