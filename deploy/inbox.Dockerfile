# The per-tenant inbox instance. Multi-stage: build with dev dependencies, run with production
# dependencies only, as an unprivileged user, on a read-only-friendly layout.
# Build from the repository root:  docker build -f deploy/inbox.Dockerfile -t partner-platform/inbox .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts/compress-web.ts ./scripts/
RUN npx nest build inbox && npm run build:web && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=8000 \
    NODE_OPTIONS="--max-semi-space-size=1"
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/apps/inbox ./dist/apps/inbox
COPY --from=build /src/dist/apps/inbox-web ./dist/apps/inbox-web
COPY --from=build /src/package.json ./
# Numeric, so Kubernetes can verify runAsNonRoot; matches the runtime's runAsUser.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/api/v1/status/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/inbox/main.js"]
