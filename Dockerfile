FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
# The one package the install carries (the gavel-verify command); the rest runs from /app.
COPY gavel_verify ./gavel_verify
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --create-home gavel && mkdir -p /data/media /data/backups && chown -R gavel /data /app
USER gavel
EXPOSE 8000 8001
