"""The notifications service's own tests, against real PostgreSQL and RabbitMQ."""
