# The order API's inbox belongs to commerce (the ground floor) now: the table is renamed and the
# model state moves to commerce.0004 without copying rows.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("attribution", "0004_attribution_settings_and_window")]

    operations = [
        migrations.AlterModelTable("OrderEvent", "commerce_orderevent"),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel("OrderEvent")]),
    ]
