# syntax=docker/dockerfile:1
#
# Spillway gpu-node on an NVIDIA GPU host (docs/deployment.md, "Register a new GPU host").
# Build from the repository root; the file list comes from gpu-node.Dockerfile.dockerignore:
#   docker build -f deploy/gpu-node.Dockerfile -t spillway/gpu-node:0.1.0 .
# Run (drains for up to --drain-timeout-ms on `docker stop`, so give it that long):
#   docker run --gpus all --init --stop-timeout 660 -p 9001:9001 --env-file /etc/spillway/gpu-node.env \
#     -v /etc/spillway:/etc/spillway:ro -v spillway-models:/var/lib/spillway spillway/gpu-node:0.1.0
#
# onnxruntime-node 1.30's CUDA and TensorRT execution providers need CUDA 12, cuDNN 9 and
# TensorRT 10 in the image, and a host driver new enough for the image's CUDA. NGC's TensorRT
# 25.01 image ships TensorRT 10.8, CUDA 12.8 and cuDNN 9.7 on Ubuntu 24.04. Another tag works
# if it keeps those three major versions (CUDA 13 images do not).
ARG BASE_IMAGE=nvcr.io/nvidia/tensorrt:25.01-py3
# The Node the project runs on (package.json's `node` devDependency).
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

FROM ${NODE_IMAGE} AS node

FROM ${BASE_IMAGE}

# Node and npm from the official image: its binaries need only glibc >= 2.28.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && node --version

WORKDIR /opt/spillway
COPY package.json package-lock.json ./
# Production dependencies exactly as locked, with no install scripts; then onnxruntime-node's CUDA
# and TensorRT providers (libonnxruntime_providers_{shared,cuda,tensorrt}.so, from NuGet) through
# the project's own `setup:gpu`. The `ls` fails the build if the TensorRT provider is missing.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && ONNXRUNTIME_NODE_INSTALL=cuda12 npm run setup:gpu \
  && ls node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_tensorrt.so \
  && npm cache clean --force
COPY shared ./shared
COPY gpu-node ./gpu-node

# A dedicated unprivileged user; the built-in model is written under its state folder.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/spillway --create-home \
    --shell /usr/sbin/nologin spillway \
  && mkdir -p /var/lib/spillway/models && chown -R spillway:spillway /var/lib/spillway
VOLUME /var/lib/spillway

# Every flag also reads SPILLWAY_<FLAG> (docs/gpu-node-flags.md). Keys and the pool id come from
# the env file or `docker run` flags, never from the image.
ENV NODE_ENV=production \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    SPILLWAY_HOST=0.0.0.0 \
    SPILLWAY_PORT=9001 \
    SPILLWAY_MODEL_DIR=/var/lib/spillway/models \
    SPILLWAY_PROVIDERS=tensorrt,cuda,cpu

USER spillway:spillway
EXPOSE 9001

# Ready = serving and not draining (KServe v2 `/v2/health/ready`). The start period covers the
# model build and TensorRT's engine build at warm-up. Not usable with --protect-ops (401).
HEALTHCHECK --interval=10s --timeout=3s --start-period=300s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.SPILLWAY_PORT}/v2/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM drains: running and queued jobs finish, new ones are refused, a last heartbeat says so.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "gpu-node/main.ts"]
CMD []
