"""The users service's own tests, against real PostgreSQL and RabbitMQ."""
