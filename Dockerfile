# syntax=docker/dockerfile:1
# sidecar-injector image: docker build -t sidecar-injector:0.1.0 .
# The same Node release the tests run on (package.json's node@24 devDependency).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the only install script is the node@24 devDependency's, which would
# download a second Node 24 next to the image's own.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script; dev ones (@nestjs/cli, vitest, ...) stay out.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the service: the pod runs with a read-only root
# filesystem anyway, and only TLS_DIR (inside an emptyDir in k8s/deployment.yaml) is written.
COPY package.json package-lock.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The built-in default templates (SIDECAR_CONFIG unset); the cluster mounts its own.
COPY config ./config
# The image's `node` user, by number so the kubelet can check runAsNonRoot; k8s/deployment.yaml
# runs as the same UID.
USER 1000:1000
# Webhook (HTTPS) and health/metrics (HTTP).
EXPOSE 9443 8081
ENTRYPOINT ["node", "dist/main.js"]
