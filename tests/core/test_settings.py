"""Settings read from the environment, checked in a fresh process (the test process's settings are already loaded)."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_the_file_based_email_backend_writes_where_email_file_path_says(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
           "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(tmp_path)}
    subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.core.mail import send_mail; "
                    "send_mail('Your car is sold', 'Hello', None, ['seller@example.test'])"],
                   cwd=ROOT, env=env, check=True, timeout=60)
    [written] = tmp_path.glob("*.log")
    assert "Subject: Your car is sold" in written.read_text()
