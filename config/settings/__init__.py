"""Gavel's settings: the product's configuration, one module per concern, read from the environment.

Every value has a safe development default so `make run` works on a fresh machine; production is DEBUG=0 plus
SECRET_KEY, GAVEL_CARD_WEBHOOK_SECRET, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL (and real payment and payout
providers, or GAVEL_ALLOW_SIMULATED_PROVIDERS=1 for a demo). Every variable is read through config.settings.env,
which refuses to start on a value it cannot use, naming the variable; the README's "Configuration" lists them.

    django        paths, DEBUG, apps, middleware, templates, users, time, static and uploaded files
    security      secret key, hosts, HTTPS and cookies, proxies, CSP, login lockout, login and sign-up rates
    database      DATABASE_URL and the connection pool
    cache         REDIS_URL and the cache
    email         outgoing mail
    logging       LOG_LEVEL
    site          name, address, currency, support address, notifications
    marketplace   reserve ceiling, photo limits, upload rate
    inspections   odometer margin, report photos
    auctions      increment ladder, durations, soft close, bid rate, the closing sweeper, buying limit
    payments      fees, deadlines, escrow account, card webhook, payout provider, simulated providers
    channels      the channel layer and the live consumers' timing
    celery        broker, queues, routes and beat's schedule
    api           REST framework and the OpenAPI schema
    transparency  the log's signing key, how often a tree head is signed
    insights      the k of the open market data
    integrations  webhooks: the retry schedule, the receiver timeout, loopback for the tests
    privacy       retention periods of personal data
"""

from config.settings.api import *  # noqa: F403
from config.settings.auctions import *  # noqa: F403
from config.settings.cache import *  # noqa: F403
from config.settings.celery import *  # noqa: F403
from config.settings.channels import *  # noqa: F403
from config.settings.database import *  # noqa: F403
from config.settings.django import *  # noqa: F403
from config.settings.email import *  # noqa: F403
from config.settings.insights import *  # noqa: F403
from config.settings.inspections import *  # noqa: F403
from config.settings.integrations import *  # noqa: F403
from config.settings.logging import *  # noqa: F403
from config.settings.marketplace import *  # noqa: F403
from config.settings.payments import *  # noqa: F403
from config.settings.privacy import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.site import *  # noqa: F403
from config.settings.transparency import *  # noqa: F403
