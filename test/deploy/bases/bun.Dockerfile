# Stand-in for oven/bun:1.4.5-slim (infra/Dockerfile's runtime): Debian with the Bun binary of the
# repository's `bun` npm package and the user `bun` (uid/gid 1000), as in the official image.
FROM chat-ci/debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 bun && useradd --uid 1000 --gid bun --create-home --shell /bin/sh bun
COPY bun /usr/local/bin/bun
RUN ln -s bun /usr/local/bin/bunx && bun --version
WORKDIR /home/bun/app
CMD ["/usr/local/bin/bun"]
