"""The one NinjaAPI, assembled from each app's router: /api/v1/."""

from safecampus.accounts.api import router as accounts_router
from safecampus.analytics.api import router as warning_router
from safecampus.duties.api import router as duties_router
from safecampus.hazards.api import router as hazards_router
from safecampus.lib.api import make_api
from safecampus.orgs.api import router as orgs_router
from safecampus.risks.api import router as risks_router

api = make_api()
api.add_router("/orgs", orgs_router)
api.add_router("/", accounts_router)
api.add_router("/hazards", hazards_router)
api.add_router("/responsibilities", duties_router)
api.add_router("/warning", warning_router)
api.add_router("/risks", risks_router)
