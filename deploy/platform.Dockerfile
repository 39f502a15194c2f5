# The control plane in one image with three commands (the Helm chart picks one per Deployment):
#   node dist/apps/partner-api/main.js   the Partner API
#   node dist/apps/worker/main.js        the provisioning worker
#   node dist/apps/cli/main.js migrate   migrations (the chart's pre-install/pre-upgrade Job)
# Multi-stage: build with dev dependencies, run with production dependencies only, non-root,
# nothing written at run time (works with a read-only root filesystem).
# Build from the repository root:  docker build -f deploy/platform.Dockerfile -t partner-platform/platform .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npx nest build partner-api && npx nest build worker && npx nest build cli \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/apps/partner-api ./dist/apps/partner-api
COPY --from=build /src/dist/apps/worker ./dist/apps/worker
COPY --from=build /src/dist/apps/cli ./dist/apps/cli
COPY --from=build /src/package.json ./
USER 10001:10001
EXPOSE 3000 9464
ENTRYPOINT ["node"]
CMD ["dist/apps/partner-api/main.js"]
