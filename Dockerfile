# Kubeprep: a multi-stage image. Build wheels with compilers, run on a slim base as a non-root user.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
RUN pip install --no-compile .
COPY . .
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=build \
    STATIC_ROOT=/src/staticfiles python manage.py collectstatic --noinput

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    STATIC_ROOT=/app/staticfiles \
    PORT=8000
RUN groupadd --system --gid 10001 kubeprep \
    && useradd --system --uid 10001 --gid kubeprep --home-dir /app --shell /usr/sbin/nologin kubeprep
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=kubeprep:kubeprep /src /app
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'))"]
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "studyapp.wsgi:application"]
