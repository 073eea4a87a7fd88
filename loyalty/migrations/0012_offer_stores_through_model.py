"""Offer.stores gets an explicit link table with the merchant (OfferStore), so that under Citus it
is distributed by merchant_id and joined with its offer on one shard (docs/scaling.md). Django
cannot alter an automatic M2M table into a through model, so the rows are copied into the new table
and the old one is dropped."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5000


def copy_to_through_model(apps, schema_editor):
    Offer = apps.get_model("loyalty", "Offer")
    OfferStore = apps.get_model("loyalty", "OfferStore")
    rows = Offer.stores.through.objects.values_list("offer_id", "offer__merchant_id", "store_id")
    batch = []
    for offer_id, merchant_id, store_id in rows.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(OfferStore(offer_id=offer_id, merchant_id=merchant_id, store_id=store_id))
        if len(batch) >= BATCH:
            OfferStore.objects.bulk_create(batch)
            batch = []
    OfferStore.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    Offer = apps.get_model("loyalty", "Offer")
    Link = Offer.stores.through
    Link.objects.bulk_create(
        [Link(offer_id=o, store_id=s) for o, s in
         apps.get_model("loyalty", "OfferStore").objects.values_list("offer_id", "store_id")],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("loyalty", "0011_unique_constraints_with_merchant"),
        ("tenancy", "0008_unique_constraints_with_merchant"),
    ]

    operations = [
        migrations.CreateModel(
            name="OfferStore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("merchant", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.merchant", verbose_name="merchant")),
                ("offer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="store_links", to="loyalty.offer")),
                ("store", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenancy.store")),
            ],
            options={
                "verbose_name": "offer store",
                "verbose_name_plural": "offer stores",
                "constraints": [
                    models.UniqueConstraint(fields=("merchant", "offer", "store"), name="offer_store_unique")
                ],
            },
        ),
        # The new table's rows come from the old one: RemoveField below drops the old table.
        migrations.RunPython(copy_to_through_model, copy_back, elidable=False),
        migrations.RemoveField(model_name="offer", name="stores"),
        migrations.AddField(
            model_name="offer",
            name="stores",
            field=models.ManyToManyField(blank=True, related_name="+", through="loyalty.OfferStore", to="tenancy.store", verbose_name="stores"),
        ),
    ]
