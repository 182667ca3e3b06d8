# Stand-in for nginx:1.28-alpine: Debian's nginx from sid, the only suite with nginx >= 1.27.3
# (`resolve` in an upstream), and wget for the compose healthcheck.
FROM chat-ci/debian:sid
# A mirror may serve a frozen copy of sid, whose Release has passed its Valid-Until date.
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx wget \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 8080
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
