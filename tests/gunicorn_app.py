"""The app gunicorn serves in tests: the test's settings, passed as JSON in the environment."""

import json
import os

from locator import create_app

app = create_app(json.loads(os.environ["LOCATOR_TEST_APP_CONFIG"]))
