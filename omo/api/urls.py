"""The merchant REST API, mounted at /m/<merchant>/api/v1/ (see omo/urls.py)."""

from rest_framework.routers import DefaultRouter

from . import payouts, views

app_name = "api"


class Router(DefaultRouter):
    include_root_view = False  # the index lives in the OpenAPI docs (/api/docs/)
    include_format_suffixes = False


router = Router()
router.register("stores", views.StoreViewSet, basename="store")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("members", views.MemberViewSet, basename="member")
router.register("products", views.ProductViewSet, basename="product")
router.register("variations", views.VariationViewSet, basename="variation")
router.register("orders", views.OrderViewSet, basename="order")
router.register("attributions", views.AttributionViewSet, basename="attribution")
router.register("recommendation-links", views.RecommendationLinkViewSet, basename="recommendation-link")
router.register("link-clicks", views.LinkClickViewSet, basename="link-click")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("commissions", payouts.CommissionViewSet, basename="commission")
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("campaign-clicks", payouts.CampaignClickViewSet, basename="campaign-click")
router.register("payouts", payouts.PayoutViewSet, basename="payout")
router.register("commission-adjustments", payouts.AdjustmentViewSet, basename="commission-adjustment")
router.register("commission-tiers", payouts.CommissionTierViewSet, basename="commission-tier")
router.register("campaign-payout-terms", payouts.CampaignPayoutTermsViewSet, basename="campaign-payout-terms")
router.register("points-accounts", views.PointsAccountViewSet, basename="points-account")
router.register("points-ledger", views.PointsLedgerViewSet, basename="points-ledger")
router.register("points-adjustments", views.PointsAdjustmentViewSet, basename="points-adjustment")
router.register("offers", views.OfferViewSet, basename="offer")
router.register("exports", views.ExportJobViewSet, basename="export")
router.register("performance", views.PerformanceViewSet, basename="performance")
router.register("api-keys", views.ApiKeyViewSet, basename="api-key")

urlpatterns = router.urls
