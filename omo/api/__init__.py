"""The merchant REST API (`/m/<merchant>/api/v1/...`) and the conventions every DRF endpoint shares.

- base.py            MerchantViewSet / ApiModelSerializer / PublicIdFilter: what a resource builds on
                     (public ids, strict query strings, updated_at sync, ETag/If-Match, pagination)
- publicid.py        opaque ids (`ord_…`): a keyed permutation of the primary key (PUBLIC_ID_KEY)
- errors.py          one JSON error shape for every 4xx ({"error": {type, code, message, param}, "details"})
- safety.py          middleware: Idempotency-Key replays, the bad-request limit, RateLimit-* headers
- throttling.py      the per-key DRF throttle (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"])
- ordering.py        `ordering` that refuses unknown fields (REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"])
- schema.py          the OpenAPI generator: tags, shared error responses, examples, HMAC scheme
- moved.py           308s from the old paths into /api/v1/
- keys.py            per-merchant API keys: create (shown once), authenticate, revoke
- authentication.py  `Authorization: Api-Key <key>`, valid only under its own merchant's URL
- permissions.py     staff roles for session users, the key's scopes for an API key
- limits.py          small per-client rate limits (unknown link tokens)
- views.py urls.py   the viewsets and their router
"""
