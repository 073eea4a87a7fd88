"""Campaign.products gets an explicit link table with the merchant (CampaignProduct), so that under
Citus it is distributed by merchant_id and joined with its campaign on one shard (docs/scaling.md).
Django cannot alter an automatic M2M table into a through model, so the rows are copied into the
new table and the old one is dropped."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5000


def copy_to_through_model(apps, schema_editor):
    Campaign = apps.get_model("partners", "Campaign")
    CampaignProduct = apps.get_model("partners", "CampaignProduct")
    rows = Campaign.products.through.objects.values_list("campaign_id", "campaign__merchant_id", "product_id")
    batch = []
    for campaign_id, merchant_id, product_id in rows.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(CampaignProduct(campaign_id=campaign_id, merchant_id=merchant_id, product_id=product_id))
        if len(batch) >= BATCH:
            CampaignProduct.objects.bulk_create(batch)
            batch = []
    CampaignProduct.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    Campaign = apps.get_model("partners", "Campaign")
    Link = Campaign.products.through
    Link.objects.bulk_create(
        [Link(campaign_id=c, product_id=p) for c, p in
         apps.get_model("partners", "CampaignProduct").objects.values_list("campaign_id", "product_id")],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("commerce", "0008_money_three_decimals"),
        ("partners", "0009_unique_constraints_with_merchant"),
        ("tenancy", "0008_unique_constraints_with_merchant"),
    ]

    operations = [
        migrations.CreateModel(
            name="CampaignProduct",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="product_links", to="partners.campaign")),
                ("merchant", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.merchant", verbose_name="merchant")),
                ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="commerce.product")),
            ],
            options={
                "verbose_name": "campaign product",
                "verbose_name_plural": "campaign products",
                "constraints": [
                    models.UniqueConstraint(fields=("merchant", "campaign", "product"), name="campaign_product_unique")
                ],
            },
        ),
        # The new table's rows come from the old one: RemoveField below drops the old table.
        migrations.RunPython(copy_to_through_model, copy_back, elidable=False),
        migrations.RemoveField(model_name="campaign", name="products"),
        migrations.AddField(
            model_name="campaign",
            name="products",
            field=models.ManyToManyField(blank=True, related_name="+", through="partners.CampaignProduct", to="commerce.product", verbose_name="products earning commission"),
        ),
    ]
