# Stand-in for node:20-bookworm-slim (infra/Dockerfile's build stage): Debian's Node.js and npm,
# from trixie, whose Node.js is 20 (bookworm's is 18).
FROM chat-ci/debian:trixie
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
CMD ["node"]
