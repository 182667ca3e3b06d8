# Stand-in for rabbitmq:3.13-management: Debian's RabbitMQ (3.10 in bookworm, the version the
# project's own test runs use) with the management plugin, run in the foreground as `rabbitmq`.
FROM chat-ci/debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server \
 && rm -rf /var/lib/apt/lists/* \
 && rabbitmq-plugins enable --offline rabbitmq_management
USER rabbitmq
ENV HOME=/var/lib/rabbitmq
EXPOSE 5672 15672
CMD ["/usr/lib/rabbitmq/bin/rabbitmq-server"]
