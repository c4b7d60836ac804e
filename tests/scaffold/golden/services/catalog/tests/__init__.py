"""The catalog service's own tests, against real PostgreSQL and RabbitMQ."""
