# The attribution due marks (issue 18): the sweep reads these, not the orders.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

# Orders saved before the marks existed and still undecided become due, so the sweep finds them.
MARK_UNDECIDED = """
INSERT INTO attribution_attributiondue (merchant_id, order_id, marked_at)
SELECT o.merchant_id, o.id, CURRENT_TIMESTAMP FROM commerce_order o
WHERE NOT EXISTS (SELECT 1 FROM attribution_attribution a WHERE a.order_id = o.id)
"""

class Migration(migrations.Migration):

    dependencies = [
        ('attribution', '0005_orderevent_to_commerce'),
        ('commerce', '0007_updated_at_for_api_sync'),
        ('tenancy', '0007_updated_at_for_api_sync'),
    ]

    operations = [
        migrations.CreateModel(
            name='AttributionDue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order_id', models.BigIntegerField()),
                ('marked_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('merchant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.merchant', verbose_name='merchant')),
            ],
            options={
                'verbose_name': 'attribution due',
                'verbose_name_plural': 'attributions due',
                'indexes': [models.Index(fields=['merchant', 'marked_at'], name='attribution_due_marked')],
                'constraints': [models.UniqueConstraint(fields=('merchant', 'order_id'), name='attribution_due_once')],
            },
        ),
        migrations.RunSQL(MARK_UNDECIDED, migrations.RunSQL.noop),
    ]
