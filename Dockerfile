# syntax=docker/dockerfile:1
# One image for every ecopermit process; the subcommand chooses which one runs:
#   ecopermit serve applicants|reviews|inspections|gateway, ecopermit worker,
#   ecopermit migrate SERVICE.
# Build: docker build -t ecopermit:0.1.0 .   (deploy/k8s/README.md shows the rest)

# The Python the test suite runs on; both stages must use the same one, since the virtual
# environment built in the first is copied into the second.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# The environment has no pip of its own: the build stage's pip installs into it, so the final
# image carries no installer.
RUN python -m venv --without-pip /opt/ecopermit
# The permit certificate is set in DejaVu Sans, which covers every Kazakh letter; the final
# stage copies the fonts rather than running a package manager.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY src src
COPY services services
COPY workflows workflows
# The generated gRPC and message code is committed under gen/ and packaged with the rest.
COPY gen gen
# Without the `embedded` extra: production talks to a Temporal cluster, so the 150 MB
# Temporal CLI stays out. Bytecode is compiled here because the root filesystem is read-only
# at run time.
RUN pip --python /opt/ecopermit/bin/python install --no-compile . \
    && /opt/ecopermit/bin/python -m compileall -q /opt/ecopermit/lib

FROM ${PYTHON_IMAGE}
# The base image's own pip and setuptools are installers the processes never need.
RUN python -m pip uninstall --yes --quiet pip setuptools wheel \
    && groupadd --system --gid 10001 ecopermit \
    && useradd --system --uid 10001 --gid ecopermit --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin ecopermit
COPY --from=build /opt/ecopermit /opt/ecopermit
COPY --from=build /usr/share/fonts/truetype/dejavu /usr/share/fonts/truetype/dejavu
# Kubernetes mounts an emptyDir at /tmp; nothing else is written.
ENV PATH=/opt/ecopermit/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ECOPERMIT_DATA_DIR=/tmp/ecopermit
# Numeric, so that runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
ENTRYPOINT ["ecopermit"]
CMD ["--help"]
