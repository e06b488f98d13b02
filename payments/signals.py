"""What settlement tells the delivery layer. Sent only after the changing transaction commits.

- `sale_changed(sender=Sale, sale_id, kind)`: something a party reads on the sale page changed (paid, overdue,
  collection arranged, handover confirmed, paid out, disputed, cancelled…). `kind` names what happened; the page
  re-reads the sale itself, so the event carries nothing private. The live-updates app connects here to publish to
  the sale's group (its parties and staff).
"""

import django.dispatch

sale_changed = django.dispatch.Signal()
