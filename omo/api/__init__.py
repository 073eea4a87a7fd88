"""The merchant REST API (`/m/<merchant>/api/v1/...`) and the conventions every DRF endpoint shares.

- errors.py          one JSON error shape for every 4xx (also for 404s raised outside DRF)
- keys.py            per-merchant API keys: create (shown once), authenticate, revoke
- authentication.py  `Authorization: Api-Key <key>`, valid only under its own merchant's URL
- permissions.py     staff roles for session users, full merchant rights for an API key
- limits.py          small per-client rate limits (unknown link tokens)
- views.py urls.py   the viewsets and their router
"""
