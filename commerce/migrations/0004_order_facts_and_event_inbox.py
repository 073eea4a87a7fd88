import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def link_tokens_copy(apps, schema_editor):
    """The order names its link by token now (commerce never imports recommendations)."""
    Order = apps.get_model("commerce", "Order")
    Link = apps.get_model("recommendations", "RecommendationLink")
    linked = Order._base_manager.filter(recommendation_link__isnull=False).values_list("pk", "recommendation_link_id")
    tokens = dict(Link._base_manager.values_list("pk", "token"))
    for pk, link_id in linked.iterator():
        Order._base_manager.filter(pk=pk).update(recommendation_token=tokens.get(link_id, ""))


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0003_search_indexes"),
        ("attribution", "0005_orderevent_to_commerce"),
        ("recommendations", "0002_smsoutbox"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OrderEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.CharField(max_length=64)),
                        ("digest", models.CharField(max_length=64)),
                        ("source_updated_at", models.DateTimeField(blank=True, null=True)),
                        ("outcome", models.CharField(max_length=20)),
                        ("received_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="tenancy.merchant",
                                verbose_name="merchant",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "order event",
                        "verbose_name_plural": "order events",
                        "indexes": [
                            models.Index(fields=["merchant", "number", "source_updated_at"], name="order_event_order_time")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "number", "digest"), name="order_event_unique_delivery"
                            )
                        ],
                    },
                ),
            ]
        ),
        migrations.AddField(
            model_name="order",
            name="campaign_code",
            field=models.CharField(blank=True, max_length=40, verbose_name="referral code"),
        ),
        migrations.AddField(
            model_name="order",
            name="recommendation_token",
            field=models.CharField(blank=True, max_length=64, verbose_name="recommendation link"),
        ),
        migrations.RunPython(link_tokens_copy, migrations.RunPython.noop),
        migrations.RemoveField(model_name="order", name="recommendation_link"),
    ]
