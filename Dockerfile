FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --create-home gavel && mkdir -p /data/media && chown -R gavel /data /app
USER gavel
EXPOSE 8000 8001
