"""Domain events: written to the transactional outbox, published to RabbitMQ by the relay."""
