"""/api/v1/jobs/ routes (included by insurer/urls.py)."""

from rest_framework.routers import SimpleRouter

from insurer.jobs import api

router = SimpleRouter()
router.register("jobs", api.JobViewSet, basename="job")
router.register("job-kinds", api.JobKindViewSet, basename="job-kind")

urlpatterns = router.urls
