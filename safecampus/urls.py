from django.urls import include, path
from django.views.i18n import set_language

from safecampus.api import api
from safecampus.web import views as web_views

urlpatterns = [
    path("", include(("safecampus.web.urls", "web"))),
    path("accounts/", include(("safecampus.accounts.urls", "accounts"))),
    path("orgs/", include(("safecampus.orgs.urls", "orgs"))),
    path("audit/", include(("safecampus.audit.urls", "audit"))),
    path("hazards/", include(("safecampus.hazards.urls", "hazards"))),
    path("report/", include(("safecampus.hazards.urls_public", "public"))),
    path("risks/", include("safecampus.risks.urls")),
    path("duties/", include(("safecampus.duties.urls", "duties"))),
    path("inbox/", include(("safecampus.notify.urls", "notify"))),
    path("warning/", include(("safecampus.analytics.urls", "analytics"))),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("healthz", web_views.healthz, name="healthz"),
    path("readyz", web_views.readyz, name="readyz"),
]

handler403 = "safecampus.web.views.permission_denied"
handler404 = "safecampus.web.views.page_not_found"
handler500 = "safecampus.web.views.server_error"
