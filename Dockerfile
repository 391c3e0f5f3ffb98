# cdtt container image: a build stage with compilers and -dev headers, a small final stage with
# the shared libraries only. Both install through deploy/install-deps.sh, the script CI and
# `make run` use, so the package lists live in one place.
#
#   docker build -t cdtt --build-arg VERSION=1.2.3 .
#   docker run -e CDTT_DATABASE_URL=postgresql://... -e CDTT_JWT_SECRET=... -p 8080:8080 cdtt
#   docker run ... cdtt migrate        (any subcommand; `serve` is the default)

FROM debian:bookworm-slim AS build
ARG VERSION=1.0.0
WORKDIR /src
COPY deploy/install-deps.sh deploy/install-deps.sh
RUN deploy/install-deps.sh build
COPY Makefile Makefile
COPY api/ api/
COPY db/ db/
COPY openapi/ openapi/
# .git is not in the context, so the Makefile cannot `git describe`: the version comes from here.
RUN make -j2 BUILD=build VERSION="${VERSION}"

FROM debian:bookworm-slim
ARG VERSION=1.0.0
LABEL org.opencontainers.image.title="cdtt" \
      org.opencontainers.image.description="REST JSON API for Vietnam's community digital technology teams" \
      org.opencontainers.image.version="${VERSION}"
COPY deploy/install-deps.sh /tmp/install-deps.sh
# apt-get clean drops the downloaded .debs and apt's package caches; the lists go too.
RUN /tmp/install-deps.sh runtime \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh
# A fixed uid/gid so volume permissions and Kubernetes runAsUser are predictable.
RUN groupadd --system --gid 10001 cdtt \
 && useradd --system --uid 10001 --gid cdtt --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin cdtt
COPY --from=build /src/build/cdtt /usr/local/bin/cdtt
USER 10001:10001
ENV CDTT_LISTEN=0.0.0.0:8080
EXPOSE 8080
# `cdtt healthcheck` GETs /healthz on CDTT_LISTEN and exits 0 on 200: no shell or curl needed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/cdtt", "healthcheck"]
# SIGTERM stops accepting, lets requests in flight finish, closes the pool and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/cdtt"]
CMD ["serve"]
