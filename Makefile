# OMO developer commands. On a fresh machine: `make demo` (http://127.0.0.1:8000) and `make test`.
PY := .venv/bin/python
STAMP := .venv/.installed
PYTEST_ARGS ?=

.PHONY: venv demo test messages

venv: $(STAMP)

# Re-install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	.venv/bin/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

# Compiled catalogs (*.mo) are not committed: build them when there are .po files.
messages: venv
	@if ! ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v msgfmt >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing gettext (msgfmt)"; \
		apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq gettext >/dev/null || true; \
	fi; \
	if command -v msgfmt >/dev/null; then \
		$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0; \
	else \
		echo "warning: gettext (msgfmt) missing, skipping compilemessages: pages stay in English"; \
	fi

demo: venv messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: venv messages
	.venv/bin/pytest $(PYTEST_ARGS)
