"""Partner self-service (issue 15 item 7): applying to a campaign the merchant made public.

A campaign binds one partner for good, so a public campaign is an open offer: approving an
application creates the partner's own campaign from it (same period, currency, rules and
products; its own code and coupon) and binds it to them. The public campaign itself stays open.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import notifications, payouts, services
from .models import Campaign, CampaignApplication, CampaignPayoutTerms, Partner

# Not copied from the public campaign: identity, binding and its openness.
_NOT_COPIED = {"id", "merchant", "code", "partner", "bound_at", "created_at", "is_public"}


@transaction.atomic
def application_create(*, merchant, campaign: Campaign, partner: Partner, message: str = "") -> CampaignApplication:
    """The partner applies; the merchant's admins are told. Once per partner and campaign."""
    campaign = Campaign.objects.for_merchant(merchant).select_for_update().get(pk=campaign.pk)
    if not campaign.is_public or campaign.has_ended:
        raise ValidationError(_("This campaign is not open to applications."), code="not_public")
    applications = CampaignApplication.objects.for_merchant(merchant)
    if applications.filter(campaign=campaign, partner=partner).exists():
        raise ValidationError(_("You have already applied to this campaign."), code="applied")
    try:
        with transaction.atomic():
            application = applications.create(
                merchant=merchant, campaign=campaign, partner=partner, message=(message or "").strip()[:1000]
            )
    except IntegrityError as exc:
        raise ValidationError(_("You have already applied to this campaign."), code="applied") from exc
    notifications.notify_application_received(merchant=merchant, application=application)
    return application


def _copy(merchant, public: Campaign, partner: Partner) -> Campaign:
    values = {**services.campaign_values(public), "is_public": False}  # the partner's own campaign is not open
    data = services.CampaignInput(**values, products=tuple(public.product_ids()))
    own = services.campaign_create(merchant=merchant, data=data)
    # Settings beyond CampaignInput (e.g. the link lifetime and any other column added later).
    extra = [
        field.attname for field in Campaign._meta.concrete_fields
        if field.name not in _NOT_COPIED and field.name not in data.__dataclass_fields__
    ]
    for name in extra:
        setattr(own, name, getattr(public, name))
    if extra:
        own.save(update_fields=extra)
    # The payout terms (return window) and commission tiers live in their own tables: the partner
    # earns on the same terms as the offer they applied to.
    tiers = payouts.campaign_tiers(merchant=merchant, campaign_id=public.pk)
    has_terms = CampaignPayoutTerms.objects.for_merchant(merchant).filter(campaign_id=public.pk).exists()
    if tiers or has_terms:
        payouts.campaign_payout_terms_set(
            merchant=merchant, campaign=own,
            return_window_days=payouts.return_window_days(merchant=merchant, campaign_id=public.pk),
            tiers=[payouts.TierInput(from_sales=tier.from_sales, rate=tier.rate) for tier in tiers],
        )
    return own


@transaction.atomic
def application_approve(*, merchant, application: CampaignApplication, user) -> CampaignApplication:
    """The merchant approves: the partner gets their own campaign, bound to them, and is told."""
    application = CampaignApplication.objects.for_merchant(merchant).select_for_update().select_related(
        "campaign", "partner__user").get(pk=application.pk)
    if application.status != CampaignApplication.Status.PENDING:
        raise ValidationError(_("This application has already been decided."), code="decided")
    public = application.campaign
    own = _copy(merchant, public, application.partner)
    services.campaign_partner_bind(merchant=merchant, campaign=own, partner=application.partner)
    application.status = CampaignApplication.Status.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = user
    application.campaign_created = own
    application.save(update_fields=["status", "decided_at", "decided_by", "campaign_created"])
    notifications.notify_application_decided(merchant=merchant, application=application)
    notifications.notify_partner_joined(merchant=merchant, campaign=own, partner=application.partner)
    return application


@transaction.atomic
def application_reject(*, merchant, application: CampaignApplication, user) -> CampaignApplication:
    application = CampaignApplication.objects.for_merchant(merchant).select_for_update().get(pk=application.pk)
    if application.status != CampaignApplication.Status.PENDING:
        raise ValidationError(_("This application has already been decided."), code="decided")
    application.status = CampaignApplication.Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = user
    application.save(update_fields=["status", "decided_at", "decided_by"])
    notifications.notify_application_decided(merchant=merchant, application=application)
    return application
