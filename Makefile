# Shortcuts for the two commands of the README (make is optional: dev.py needs only Python).
.PHONY: run test lint
run:
	python3 dev.py run
test:
	python3 dev.py test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && DEBUG=1 .venv/bin/python manage.py makemigrations --check --dry-run
